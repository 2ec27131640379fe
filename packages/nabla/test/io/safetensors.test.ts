import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { io, tensor, randn, arange } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const fixtureBytes = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
const fixture = JSON.parse(readFileSync(new URL('../fixtures/safetensors.json', import.meta.url), 'utf8')) as {
  dtypes: Record<string, { shape: number[]; values: number[] }>;
};

test('safetensors round trip keeps dtype, shape, values and metadata', () => {
  const tensors = {
    w: randn([3, 4]),
    d: tensor([1.5, -2], { dtype: 'float64' }),
    idx: tensor([0, -5, 7], { dtype: 'int32' }),
    m: tensor([true, false]),
    s: tensor(3),
    view: arange(12).reshape([3, 4]).t(), // non-contiguous: written in row-major order of the view
  };
  const bytes = io.encodeSafetensors(tensors, { format: 'pt' });
  const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLen) % 8, 0, 'data section is 8-byte aligned');
  const { tensors: back, metadata } = io.decodeSafetensors(bytes);
  assert.deepEqual(metadata, { format: 'pt' });
  for (const [k, t] of Object.entries(tensors)) {
    assert.equal(back[k].dtype, t.dtype, k);
    assert.deepEqual(back[k].shape, t.shape, k);
    assert.deepEqual(back[k].toArray(), t.toArray(), k);
  }
});

test('safetensors written by PyTorch decode with the values PyTorch had', () => {
  const { tensors } = io.decodeSafetensors(fixtureBytes('torch_dtypes.safetensors'));
  for (const [name, want] of Object.entries(fixture.dtypes)) {
    assert.deepEqual([...tensors[name].shape], want.shape, name);
    assertClose(Array.from(tensors[name].toTypedArray()), want.values, { rtol: 1e-7, atol: 0, message: name });
  }
  assert.equal(tensors.f64.dtype, 'float64');
  assert.equal(tensors.i64.dtype, 'int32');
  assert.equal(tensors.mask.dtype, 'bool');
});

test('corrupt safetensors data gives errors that say what is wrong', () => {
  const good = io.encodeSafetensors({ a: randn([4]) });
  assert.throws(() => io.decodeSafetensors(new Uint8Array(3)), /too short/);
  assert.throws(() => io.decodeSafetensors(good.subarray(0, good.length - 4)), /truncated or trailing/);
  const huge = good.slice();
  new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
  assert.throws(() => io.decodeSafetensors(huge), /header length/);
  const badJson = good.slice();
  badJson[9] = 0x7b; // '{{' is not JSON
  assert.throws(() => io.decodeSafetensors(badJson), /not valid UTF-8 JSON/);
  const header = (json: string, value = 0n) => {
    const head = new TextEncoder().encode(json);
    const out = new Uint8Array(8 + head.length + 8);
    const view = new DataView(out.buffer);
    view.setBigUint64(0, BigInt(head.length), true);
    out.set(head, 8);
    view.setBigInt64(8 + head.length, value, true);
    return out;
  };
  assert.throws(
    () => io.decodeSafetensors(header('{"x":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}')),
    /unsupported dtype 'C64'/,
  );
  assert.throws(
    () => io.decodeSafetensors(header('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}')),
    /needs 12 bytes/,
  );
  assert.throws(
    () =>
      io.decodeSafetensors(
        header(
          '{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        ),
      ),
    /gap or overlap/,
  );
  const i64 = '{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}';
  assert.equal(io.decodeSafetensors(header(i64, -5n)).tensors.x.item(), -5);
  assert.throws(() => io.decodeSafetensors(header(i64, 1n << 40n)), /I64 value 1099511627776 does not fit in int32/);
});

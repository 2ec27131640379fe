/**
 * Unknown dtype strings and numbers that do not fit int32 are errors (DTypeError) that name the
 * string or value, never a corrupt tensor. What PyTorch 1.13 does for each case (checked with
 * /usr/bin/python3): torch.tensor([3e9], dtype=torch.int32), NaN or inf into int32, and
 * torch.full/fill_/masked_fill with such values raise "value cannot be converted to type int32
 * without overflow"; fractions truncate toward zero (tensor([1.5, -1.5], dtype=int32) is [1, -1]).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DTypeError,
  arange,
  empty,
  full,
  nn,
  parseCsv,
  ones,
  rand,
  randint,
  randn,
  ShapeError,
  tensor,
  zeros,
  zerosLike,
  type DType,
} from '../../src/index.js';
import {
  allocate,
  allocateOverwritten,
  checkDType,
  DTYPES,
  isRecycled,
  recycle,
  setDebugRecycling,
  setLargeArrayHook,
  type TypedArray,
} from '../../src/tensor/dtype.js';

const dtypeError =
  (...patterns: RegExp[]) =>
  (e: unknown) =>
    e instanceof DTypeError && patterns.every((p) => p.test(e.message));

describe('unknown dtype strings', () => {
  // What a PyTorch user types, and what the message must say.
  const CASES: [string, RegExp][] = [
    ['int64', /no int64: 'int32'/],
    ['long', /no int64/],
    ['float16', /no 16-bit floats: use 'float32'/],
    ['half', /no 16-bit floats/],
    ['bfloat16', /no 16-bit floats/],
    ['double', /did you mean 'float64'/],
    ['float', /did you mean 'float32'/],
    ['torch.float64', /did you mean 'float64'/],
    ['Float32', /did you mean 'float32'/],
    ['uint8', /'bool' for masks/],
    ['complex64', /no complex/],
    ['float33', /did you mean 'float32'/],
  ];
  const valid = /nabla's dtypes are float32, float64, int32, bool/;

  for (const [name, hint] of CASES) {
    it(`'${name}' is refused by tensor(), zeros(), full(), arange(), randn() and .to()`, () => {
      const dtype = name as DType;
      const quoted = new RegExp(`unknown dtype '${name.replace('.', '\\.')}'`);
      assert.throws(() => tensor([1, 2], { dtype }), dtypeError(/^tensor\(\)/, quoted, valid, hint));
      assert.throws(() => zeros([2], { dtype }), dtypeError(/^zeros/, quoted, hint));
      assert.throws(() => full([2], 1, { dtype }), dtypeError(/^full/, quoted));
      assert.throws(() => arange(0, 3, 1, { dtype }), dtypeError(/^arange/, quoted));
      assert.throws(() => randn([2], { dtype }), dtypeError(/^randn/, quoted));
      assert.throws(() => zerosLike(ones([2]), { dtype }), dtypeError(quoted));
      assert.throws(() => tensor([1, 2]).to(dtype), dtypeError(/^to/, quoted, valid, hint));
    });
  }

  it('a name with nothing near lists the dtypes only; a non-string says what it got', () => {
    assert.throws(
      () => checkDType('quaternion', 'tensor()'),
      (e: unknown) => {
        assert.ok(e instanceof DTypeError);
        assert.equal(
          e.message,
          "tensor(): unknown dtype 'quaternion'; nabla's dtypes are float32, float64, int32, bool",
        );
        return true;
      },
    );
    assert.throws(() => zeros([2], { dtype: 7 as unknown as DType }), dtypeError(/dtype must be a string/, /number 7/));
  });

  it('every dtype nabla has passes, in every creation function', () => {
    for (const dtype of DTYPES) {
      assert.equal(checkDType(dtype, 'x'), dtype);
      assert.equal(tensor([1, 0], { dtype }).dtype, dtype);
      assert.equal(zeros([2], { dtype }).dtype, dtype);
      assert.equal(empty([2], { dtype }).dtype, dtype);
      assert.equal(ones([1]).to(dtype).dtype, dtype);
    }
  });
});

describe('numbers that do not fit int32', () => {
  const overflow = (value: string) => dtypeError(new RegExp(`${value} cannot be converted to int32 without overflow`));

  it('tensor() refuses values beyond int32 and NaN/Infinity, and truncates fractions like PyTorch', () => {
    assert.throws(() => tensor([3e9], { dtype: 'int32' }), overflow('3000000000'));
    assert.throws(() => tensor([[1], [-2147483649]], { dtype: 'int32' }), dtypeError(/element 1/, /-2147483649/));
    assert.throws(() => tensor([Number.NaN], { dtype: 'int32' }), overflow('NaN'));
    assert.throws(() => tensor([Number.POSITIVE_INFINITY], { dtype: 'int32' }), overflow('Infinity'));
    assert.deepEqual(tensor([2147483647, -2147483648], { dtype: 'int32' }).toArray(), [2147483647, -2147483648]);
    assert.deepEqual(tensor([1.5, -1.5, 2147483647.5], { dtype: 'int32' }).toArray(), [1, -1, 2147483647]);
    // Float and bool dtypes take any number (bool: nonzero is true, NaN too, as in PyTorch).
    assert.deepEqual(tensor([3e9, 0], { dtype: 'bool' }).toArray(), [true, false]);
    assert.equal(tensor([3e9], { dtype: 'float64' }).item(), 3e9);
  });

  it('full, fill_, maskedFill, arange and randint check their values', () => {
    assert.throws(() => full([2], 3e9, { dtype: 'int32' }), overflow('3000000000'));
    assert.throws(() => full([2], Number.NaN, { dtype: 'int32' }), overflow('NaN'));
    assert.deepEqual(full([2], 1.5, { dtype: 'int32' }).toArray(), [1, 1]);
    assert.throws(() => zeros([2], { dtype: 'int32' }).fill_(3e9), overflow('3000000000'));
    assert.throws(() => zeros([2], { dtype: 'int32' }).fill_(Number.NaN), overflow('NaN'));
    const mask = tensor([true, false]);
    assert.throws(() => zeros([2], { dtype: 'int32' }).maskedFill(mask, 3e9), overflow('3000000000'));
    assert.throws(() => arange(0, 5e9, 1e9), dtypeError(/arange: last value/, /4000000000/));
    assert.deepEqual(arange(0, 3e9, 1e9).toArray(), [0, 1e9, 2e9]);
    assert.throws(() => randint(0, 5e9, [2]), dtypeError(/randint: high - 1/));
  });

  it('an int32 tensor and a number beyond int32 give float32, not a wrapped int', () => {
    const y = tensor([1, 2], { dtype: 'int32' }).add(3e9);
    assert.equal(y.dtype, 'float32');
    assert.deepEqual(y.toArray(), [Math.fround(3e9 + 1), Math.fround(3e9 + 2)]);
    assert.equal(tensor([1, 2], { dtype: 'int32' }).add(3).dtype, 'int32');
  });
});

describe('sizes and options in varargs creation', () => {
  it('options may follow the sizes, as PyTorch keyword arguments do', () => {
    const x = randn(3, 2, { dtype: 'float64' });
    assert.deepEqual([x.shape, x.dtype], [[3, 2], 'float64']);
    assert.deepEqual(zeros(2, { dtype: 'int32' }).toArray(), [0, 0]);
    assert.equal(rand(4, { requiresGrad: true }).requiresGrad, true);
  });

  it('a non-number among the sizes names its position', () => {
    const bad = [3, {}, 4] as unknown as number[];
    assert.throws(
      () => randn(...bad),
      (e: unknown) =>
        e instanceof ShapeError && /^randn: sizes must be numbers; got an object at position 1/.test(e.message),
    );
    assert.throws(() => zeros(...(['2'] as unknown as number[])), /got string at position 0/);
  });
});

describe('dtype options elsewhere', () => {
  it('parseCsv and Module.to name an unknown dtype', () => {
    assert.throws(() => parseCsv('a,b\n1,2\n', { dtype: 'double' as never }), dtypeError(/did you mean 'float64'/));
    assert.throws(() => parseCsv('a,b\n1,2\n', { dtype: 'int32' as never }), dtypeError(/'float32' or 'float64'/));
    assert.throws(() => new nn.Linear(2, 2).to('half' as DType), dtypeError(/^Module\.to: unknown dtype 'half'/));
    assert.equal(parseCsv('a,b\n1,2\n', { dtype: 'float64' }).features.dtype, 'float64');
  });
});

describe('small arrays from shared slabs', () => {
  it('come zeroed, the right length and type, and never share a byte, across a slab boundary too', () => {
    // 65 bytes to 2 KiB come from 8 KiB slabs: 40 arrays of 1 KiB fill several.
    const arrays = Array.from({ length: 40 }, (_, i) => allocate(i % 2 ? 'float32' : 'int32', 256));
    arrays.push(allocate('float64', 100), allocate('bool', 1000));
    for (const a of arrays) assert.ok(a.every((v) => v === 0));
    assert.equal(arrays[0].length, 256);
    assert.ok(arrays[1] instanceof Float32Array && arrays[0] instanceof Int32Array);
    assert.ok(arrays[40] instanceof Float64Array && arrays[40].length === 100);
    assert.ok(arrays[41] instanceof Uint8Array && arrays[41].length === 1000);
    // Several share one buffer (pooled), and a write to one array shows in no other.
    assert.ok(new Set(arrays.map((a) => a.buffer)).size < arrays.length);
    arrays.forEach((a, i) => a.fill(i + 1));
    arrays.forEach((a, i) =>
      assert.ok(
        a.every((v) => v === i + 1),
        `array ${i} was overwritten`,
      ),
    );
  });

  it('leave arrays up to 64 bytes and above 2 KiB with a buffer of their own', () => {
    for (const size of [16, 513, 4096]) {
      const a = allocate('float32', size);
      assert.equal(a.byteOffset, 0);
      assert.equal(a.buffer.byteLength, size * 4);
    }
  });

  it('debug recycling poisons only the handed-back array, not its slab neighbours', () => {
    setDebugRecycling(true);
    try {
      const a = allocate('float32', 64) as Float32Array;
      const b = allocate('float32', 64) as Float32Array;
      assert.equal(a.buffer, b.buffer);
      recycle(a);
      assert.ok(isRecycled(a));
      assert.ok(!isRecycled(b));
      assert.ok(Number.isNaN(a[0]) && b.every((v) => v === 0));
    } finally {
      setDebugRecycling(false);
    }
  });
});

describe('the large-array hook', () => {
  it('sees each fresh array of at least its size once', () => {
    const seen: TypedArray[] = [];
    setLargeArrayHook(1 << 20, (data) => seen.push(data));
    try {
      const big = allocate('float32', 1 << 18); // 1 MiB
      const bigInt = allocate('int32', 1 << 18);
      const bigBytes = allocate('bool', 1 << 20);
      const overwritten = allocateOverwritten('float32', (1 << 18) + 1);
      allocate('float32', (1 << 18) - 1); // just below
      allocate('float64', 100);
      assert.deepEqual(seen, [big, bigInt, bigBytes, overwritten]);
    } finally {
      setLargeArrayHook(0, null);
    }
    allocate('float32', 1 << 18);
    assert.equal(seen.length, 4, 'null stops the hook');
  });
});

import { FormatError } from '../../tensor/errors.js';
import { Tensor } from '../../tensor/tensor.js';

/** Element types an IDX file can hold (type codes 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E). */
export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** A parsed IDX array: row-major values with the file's shape (data in native byte order). */
export interface IdxArray {
  dtype: IdxDType;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { dtype: IdxDType; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

/** True when `bytes` starts with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function readHeader(
  bytes: Uint8Array,
  source: string,
): { type: { dtype: IdxDType; bytes: number }; shape: number[]; start: number } {
  if (isGzip(bytes)) {
    throw new FormatError(
      `${source}: the data is gzip-compressed; decompress it first (readIdx in 'nabla/node' or decodeIdx do this)`,
    );
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || !(bytes[2] in TYPES)) {
    throw new FormatError(
      `${source}: not an IDX file: it starts with [${hex(bytes)}], expected 00 00 <type 08|09|0b|0c|0d|0e> <ndim>`,
    );
  }
  const ndim = bytes[3];
  const start = 4 + 4 * ndim;
  if (bytes.length < start) {
    throw new FormatError(
      `${source}: truncated IDX header: ${ndim} dimensions need ${start} header bytes, the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, d) => view.getUint32(4 + 4 * d, false));
  return { type: TYPES[bytes[2]], shape, start };
}

function decodeValues(bytes: Uint8Array, start: number, count: number, dtype: IdxDType): IdxArray['data'] {
  if (dtype === 'uint8') return bytes.slice(start, start + count);
  if (dtype === 'int8') return new Int8Array(bytes.slice(start, start + count).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start);
  // IDX stores multi-byte values big-endian; DataView converts each to native order.
  const read = {
    int16: { Array: Int16Array, size: 2, get: (o: number) => view.getInt16(o, false) },
    int32: { Array: Int32Array, size: 4, get: (o: number) => view.getInt32(o, false) },
    float32: { Array: Float32Array, size: 4, get: (o: number) => view.getFloat32(o, false) },
    float64: { Array: Float64Array, size: 8, get: (o: number) => view.getFloat64(o, false) },
  }[dtype];
  const out = new read.Array(count);
  for (let i = 0; i < count; i++) out[i] = read.get(i * read.size);
  return out;
}

/**
 * Parses an uncompressed IDX file (the MNIST / Fashion-MNIST format). `source` names the file
 * in error messages. Truncated data, trailing bytes and unknown headers are errors.
 * @example
 * const images = parseIdx(bytes, 'train-images-idx3-ubyte'); // { dtype: 'uint8', shape: [60000, 28, 28], data }
 */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  const { type, shape, start } = readHeader(bytes, source);
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = start + count * type.bytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'has trailing bytes';
    throw new FormatError(
      `${source}: ${what}: the header says ${type.dtype} of shape [${shape.join(', ')}] ` +
        `(${expected} bytes in all) but the file has ${bytes.length} bytes`,
    );
  }
  return { dtype: type.dtype, shape, data: decodeValues(bytes, start, count, type.dtype) };
}

/**
 * Gunzips (when the bytes start with the gzip magic) and parses an IDX file. Uses the
 * `DecompressionStream` that browsers and Node 18+ provide.
 * @example
 * const bytes = new Uint8Array(await (await fetch('t10k-labels-idx1-ubyte.gz')).arrayBuffer());
 * const labels = await decodeIdx(bytes, 't10k-labels-idx1-ubyte.gz');
 */
export async function decodeIdx(bytes: Uint8Array, source = 'IDX data'): Promise<IdxArray> {
  if (!isGzip(bytes)) return parseIdx(bytes, source);
  let raw: Uint8Array;
  try {
    const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('gzip'));
    raw = new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    throw new FormatError(`${source}: corrupt or truncated gzip data (${(err as Error).message})`, { cause: err });
  }
  return parseIdx(raw, source);
}

/**
 * The IDX array as a tensor: integer types become int32, floating types float32/float64.
 * @example
 * const y = idxToTensor(parseIdx(labelBytes)); // int32 [60000]
 */
export function idxToTensor(idx: IdxArray): Tensor {
  const data = idx.dtype === 'float32' || idx.dtype === 'float64' ? idx.data.slice() : Int32Array.from(idx.data);
  return Tensor.fromData(data as Float32Array | Float64Array | Int32Array, idx.shape);
}

import { FormatError } from '../tensor/errors.js';
import type { DType, TypedArray } from '../tensor/dtype.js';
import { formatShape, numel } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** Tensors by name plus the free-form string metadata safetensors keeps under `__metadata__`. */
export interface SafetensorsContent {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Storage codes of the safetensors format and how many bytes one element takes. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
const WRITE_CODE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const MAX_HEADER = 100_000_000;
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * Encodes tensors in the safetensors format: an 8-byte little-endian header length, a JSON
 * header `{name: {dtype, shape, data_offsets}}` (padded with spaces to 8 bytes), then the raw
 * little-endian data. Names are written in sorted order so equal inputs give equal bytes.
 * @example
 * const bytes = encodeSafetensors({ weight: randn([2, 3]) }, { format: 'pt' });
 * decodeSafetensors(bytes).tensors.weight.shape; // [2, 3]
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const chunks: TypedArray[] = [];
  for (const name of names) {
    if (name === '__metadata__')
      throw new FormatError("encodeSafetensors: '__metadata__' is reserved and cannot name a tensor");
    const data = tensors[name].toTypedArray();
    header[name] = {
      dtype: WRITE_CODE[tensors[name].dtype],
      shape: [...tensors[name].shape],
      data_offsets: [offset, offset + data.byteLength],
    };
    offset += data.byteLength;
    chunks.push(data);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  const head = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20);
  head.set(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const data of chunks) {
    writeLittleEndian(data, out, pos);
    pos += data.byteLength;
  }
  return out;
}

function writeLittleEndian(data: TypedArray, out: Uint8Array, pos: number): void {
  if (littleEndianHost || data.BYTES_PER_ELEMENT === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset + pos, data.byteLength);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * 4, data[i], true);
    else if (data instanceof Float64Array) view.setFloat64(i * 8, data[i], true);
    else view.setInt32(i * 4, data[i], true);
  }
}

/**
 * Decodes safetensors bytes (e.g. written by Python's `safetensors.torch.save_file`). F32, F64,
 * I32 and BOOL load as they are; F16/BF16 widen to float32; I64/I16/I8/U8 become int32 (an I64
 * value outside int32's range is an error, not a silent wrap).
 * @example
 * const { tensors, metadata } = decodeSafetensors(new Uint8Array(await file.arrayBuffer()));
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors data'): SafetensorsContent {
  const { entries, metadata, data } = parseHeader(bytes, source);
  const tensors: Record<string, Tensor> = {};
  for (const [name, entry] of entries) tensors[name] = decodeTensor(entry, data, `${source}: tensor '${name}'`);
  return { tensors, metadata };
}

/** A safetensors file's table of contents: each tensor's stored dtype code (`F32`, `I64`, …) and shape. */
export interface SafetensorsHeader {
  tensors: Record<string, { dtype: string; shape: number[] }>;
  metadata: Record<string, string>;
}

/**
 * Reads (and checks) only the header of safetensors bytes: the dtypes as stored, before
 * `decodeSafetensors` converts them, e.g. to tell a PyTorch F16 weight from an F32 one.
 * @example
 * safetensorsHeader(bytes).tensors['0.weight']; // { dtype: 'F32', shape: [16, 4] }
 */
export function safetensorsHeader(bytes: Uint8Array, source = 'safetensors data'): SafetensorsHeader {
  const { entries, metadata } = parseHeader(bytes, source);
  return {
    tensors: Object.fromEntries(entries.map(([n, e]) => [n, { dtype: e.dtype, shape: [...e.shape] }])),
    metadata,
  };
}

function parseHeader(
  bytes: Uint8Array,
  source: string,
): { entries: [string, HeaderEntry][]; metadata: Record<string, string>; data: Uint8Array } {
  if (bytes.length < 8)
    throw new FormatError(
      `${source}: ${bytes.length} bytes is too short for a safetensors file (needs an 8-byte header length)`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER || 8 + headerLen > bytes.length) {
    throw new FormatError(`${source}: header length ${headerLen} does not fit in a file of ${bytes.length} bytes`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLen))) as Record<
      string,
      unknown
    >;
  } catch (e) {
    throw new FormatError(`${source}: header is not valid UTF-8 JSON (${(e as Error).message})`, { cause: e });
  }
  const data = bytes.subarray(8 + headerLen);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, HeaderEntry][];
  checkLayout(entries, data.length, source);
  return { entries, metadata, data };
}

/** Byte ranges must tile the data section exactly: no gaps, no overlaps, nothing past the end. */
function checkLayout(entries: [string, HeaderEntry][], dataLength: number, source: string): void {
  const ranges = entries.map(([name, e]) => {
    if (!(e.dtype in DTYPE_BYTES))
      throw new FormatError(
        `${source}: tensor '${name}' has unsupported dtype '${e.dtype}' (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`,
      );
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isInteger(d) || d < 0))
      throw new FormatError(`${source}: tensor '${name}' has an invalid shape ${JSON.stringify(e.shape)}`);
    const [begin, end] = e.data_offsets ?? [];
    const expected = numel(e.shape) * DTYPE_BYTES[e.dtype];
    if (!Number.isInteger(begin) || !Number.isInteger(end) || end - begin !== expected) {
      throw new FormatError(
        `${source}: tensor '${name}' (${e.dtype} ${formatShape(e.shape)}) needs ${expected} bytes but data_offsets are ${JSON.stringify(e.data_offsets)}`,
      );
    }
    return { name, begin, end };
  });
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const r of ranges) {
    if (r.begin !== pos)
      throw new FormatError(
        `${source}: tensor '${r.name}' starts at byte ${r.begin} but the previous tensor ends at ${pos} (gap or overlap)`,
      );
    pos = r.end;
  }
  if (pos !== dataLength)
    throw new FormatError(
      `${source}: tensors cover ${pos} bytes but the data section has ${dataLength} (truncated or trailing bytes)`,
    );
}

function decodeTensor(entry: HeaderEntry, data: Uint8Array, what: string): Tensor {
  const [begin, end] = entry.data_offsets;
  const raw = data.subarray(begin, end);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = numel(entry.shape);
  const out = readElements(entry.dtype, view, n, what);
  return Tensor.fromData(out, entry.shape);
}

function readElements(code: string, view: DataView, n: number, what: string): TypedArray {
  const read = (make: () => TypedArray, get: (i: number) => number): TypedArray => {
    const out = make();
    for (let i = 0; i < n; i++) out[i] = get(i);
    return out;
  };
  switch (code) {
    case 'F32':
      return read(
        () => new Float32Array(n),
        (i) => view.getFloat32(i * 4, true),
      );
    case 'F64':
      return read(
        () => new Float64Array(n),
        (i) => view.getFloat64(i * 8, true),
      );
    case 'F16':
      return read(
        () => new Float32Array(n),
        (i) => halfToFloat(view.getUint16(i * 2, true)),
      );
    case 'BF16':
      return read(
        () => new Float32Array(n),
        (i) => bf16ToFloat(view.getUint16(i * 2, true)),
      );
    case 'I32':
      return read(
        () => new Int32Array(n),
        (i) => view.getInt32(i * 4, true),
      );
    case 'I16':
      return read(
        () => new Int32Array(n),
        (i) => view.getInt16(i * 2, true),
      );
    case 'I8':
      return read(
        () => new Int32Array(n),
        (i) => view.getInt8(i),
      );
    case 'U8':
      return read(
        () => new Int32Array(n),
        (i) => view.getUint8(i),
      );
    case 'BOOL':
      return read(
        () => new Uint8Array(n),
        (i) => (view.getUint8(i) ? 1 : 0),
      );
    case 'I64':
      return read(
        () => new Int32Array(n),
        (i) => int64ToInt32(view.getBigInt64(i * 8, true), what),
      );
    default:
      throw new FormatError(`${what}: unsupported dtype ${code}`);
  }
}

function int64ToInt32(v: bigint, what: string): number {
  if (v > 2147483647n || v < -2147483648n) throw new FormatError(`${what}: I64 value ${v} does not fit in int32`);
  return Number(v);
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function bf16ToFloat(b: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, b << 16);
  return buf.getFloat32(0);
}

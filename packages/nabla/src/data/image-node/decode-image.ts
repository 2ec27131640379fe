import { FormatError } from '../../tensor/errors.js';
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RawImage } from '../image/raw-image.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** 'png', 'jpeg', or null, from the first bytes (not the file name). */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

function decodePng(bytes: Uint8Array): RawImage {
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  // pngjs always returns 8-bit RGBA; keep only the channels the file really has.
  const channels: 1 | 3 | 4 = png.alpha ? 4 : png.color ? 3 : 1;
  if (channels === 4) return { width: png.width, height: png.height, channels, data: rgba.slice() };
  const n = png.width * png.height;
  const data = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < channels; c++) data[p * channels + c] = rgba[p * 4 + c];
  }
  return { width: png.width, height: png.height, channels, data };
}

function decodeJpeg(bytes: Uint8Array): RawImage {
  // tolerantDecoding off: a truncated file must fail, not come back half grey.
  const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false });
  if (img.data.length !== img.width * img.height * 3) {
    throw new FormatError(`decoder returned ${img.data.length} bytes for ${img.width}x${img.height} RGB`);
  }
  return { width: img.width, height: img.height, channels: 3, data: img.data };
}

/**
 * Decodes PNG or JPEG bytes (the format is sniffed from the content) with pngjs / jpeg-js.
 * `source` names the file in errors: a corrupt or truncated file fails with its name.
 * @example
 * const img = decodeImage(readFileSync('cat.png'), 'cat.png'); // { width, height, channels, data }
 */
export function decodeImage(bytes: Uint8Array, source = 'image'): RawImage {
  const format = imageFormat(bytes);
  if (format === null) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new FormatError(`${source}: not a PNG or JPEG file (it starts with [${head}])`);
  }
  try {
    return format === 'png' ? decodePng(bytes) : decodeJpeg(bytes);
  } catch (err) {
    // pngjs reports a short file as pending reads on a finished stream.
    const reason = (err as Error).message.replace(
      /.*read requests wait\w* on finished stream.*/,
      'the data ends early',
    );
    throw new FormatError(`${source}: corrupt or truncated ${format.toUpperCase()} file: ${reason}`, { cause: err });
  }
}

/**
 * Reads and decodes a PNG or JPEG file.
 * @example
 * const x = toTensor(convertImage(readImage('digit.png'), 1)); // float32 [1, H, W]
 */
export function readImage(path: string): RawImage {
  return decodeImage(readFileSync(path), path);
}

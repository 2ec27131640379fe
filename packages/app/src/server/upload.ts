/** Checks an uploaded image before decoding it: present, a PNG or JPEG, and of a sane pixel count. */
import { imageFormat } from 'nabla/node';

/** An error carrying the HTTP status the API answers with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ImageHeader {
  width: number;
  height: number;
  /** Bits per sample (8 for every JPEG this server decodes; 1, 2, 4, 8 or 16 for PNG). */
  bitDepth: number;
}

/**
 * Width, height and bit depth from a PNG's IHDR chunk or a JPEG's start-of-frame marker, or null
 * if not found. Only reads headers: nothing is decoded.
 */
export function imageSize(bytes: Uint8Array): ImageHeader | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = imageFormat(bytes);
  if (format === 'png') {
    // IHDR is the first chunk of every PNG (the spec requires it): length, 'IHDR', width, height, depth.
    const ihdr = bytes.length >= 25 && String.fromCharCode(...bytes.subarray(12, 16)) === 'IHDR';
    return ihdr ? { width: view.getUint32(16), height: view.getUint32(20), bitDepth: bytes[24] } : null;
  }
  if (format !== 'jpeg') return null;
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length || bytes[pos] !== 0xff) return null;
    // Any number of 0xFF fill bytes may precede a marker (JPEG spec B.1.1.2).
    while (pos < bytes.length && bytes[pos] === 0xff) pos++;
    if (pos >= bytes.length) return null;
    const marker = bytes[pos++];
    // Markers without a length: TEM, RST0..RST7; SOS or EOI before a frame header means none.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xda || marker === 0xd9 || pos + 2 > bytes.length) return null;
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc) carry precision, height and width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (pos + 7 > bytes.length) return null;
      return { bitDepth: bytes[pos + 2], height: view.getUint16(pos + 3), width: view.getUint16(pos + 5) };
    }
    pos += view.getUint16(pos);
  }
}

/**
 * Validates upload bytes before decoding: 400 when empty, 415 when not PNG/JPEG, 400 for a PNG
 * without its header, 413 when the image would decode to more than `maxPixels` (a small file can
 * claim a huge size; 16-bit PNG pixels count twice, as they take twice the memory to decode).
 * A JPEG whose frame header is not found here is left to the decoder, the same one `nabla predict`
 * uses, so the server never turns away a JPEG that `predict` reads.
 */
export function checkUpload(bytes: Uint8Array, maxPixels: number): void {
  if (bytes.length === 0) throw new HttpError(400, 'the uploaded file is empty');
  const format = imageFormat(bytes);
  if (format === null) throw new HttpError(415, 'the upload is not a PNG or JPEG image');
  const size = imageSize(bytes);
  if (!size) {
    if (format === 'jpeg') return;
    throw new HttpError(400, 'the PNG file is truncated or corrupt (no IHDR header with the image size)');
  }
  const { width, height, bitDepth } = size;
  if (width === 0 || height === 0) throw new HttpError(400, `the image has no pixels (${width}x${height})`);
  const wide = format === 'png' && bitDepth === 16;
  const counted = width * height * (wide ? 2 : 1);
  if (counted > maxPixels) {
    const what = wide ? `${width}x${height} 16-bit pixels, counted twice (${counted})` : `${width}x${height} pixels`;
    throw new HttpError(413, `the image is ${what}; the limit is ${maxPixels} pixels (--max-pixels)`);
  }
}

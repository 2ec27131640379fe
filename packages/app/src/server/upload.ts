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

/** Width and height from a PNG's IHDR chunk or a JPEG's start-of-frame marker, or null if not found. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = imageFormat(bytes);
  if (format === 'png') return bytes.length >= 24 ? { width: view.getUint32(16), height: view.getUint32(20) } : null;
  if (format !== 'jpeg') return null;
  let pos = 2;
  while (pos + 9 < bytes.length) {
    if (bytes[pos] !== 0xff) return null;
    const marker = bytes[pos + 1];
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(pos + 5), width: view.getUint16(pos + 7) };
    }
    pos += 2 + view.getUint16(pos + 2);
  }
  return null;
}

/**
 * Validates upload bytes: 400 when empty, 415 when not PNG/JPEG, 413 when the image would
 * decode to more than `maxPixels` (a small file can claim a huge size).
 */
export function checkUpload(bytes: Uint8Array, maxPixels: number): void {
  if (bytes.length === 0) throw new HttpError(400, 'the uploaded file is empty');
  const format = imageFormat(bytes);
  if (format === null) throw new HttpError(415, 'the upload is not a PNG or JPEG image');
  const size = imageSize(bytes);
  if (!size) throw new HttpError(400, `the ${format.toUpperCase()} file is truncated or corrupt (no image size found)`);
  if (size.width === 0 || size.height === 0)
    throw new HttpError(400, `the image has no pixels (${size.width}x${size.height})`);
  if (size.width * size.height > maxPixels) {
    throw new HttpError(413, `the image is ${size.width}x${size.height} pixels; the limit is ${maxPixels} pixels`);
  }
}

/**
 * SHA-256 (FIPS 180-4) of a byte array, synchronous and browser-safe: model directories record
 * the hash of their weights file in model.json, and `unpackModel` (which runs in browsers, where
 * WebCrypto's digest is only asynchronous) checks it.
 */

/** The first 32 bits of the fractional parts of the square (initial hash) or cube (round constants) roots of the first primes. */
function rootBits(count: number, root: (p: number) => number): Uint32Array {
  const out = new Uint32Array(count);
  let found = 0;
  for (let p = 2; found < count; p++) {
    let prime = true;
    for (let d = 2; d * d <= p; d++) if (p % d === 0) prime = false;
    if (!prime) continue;
    const r = root(p);
    out[found++] = Math.floor((r - Math.floor(r)) * 2 ** 32);
  }
  return out;
}

const INITIAL = rootBits(8, Math.sqrt);
const ROUND = rootBits(64, Math.cbrt);

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** Mixes the 64-byte block at `offset` of `view` into the hash state `h`. */
function compress(h: Uint32Array, w: Uint32Array, view: DataView, offset: number): void {
  for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + 4 * i, false);
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15];
    const b = w[i - 2];
    const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
    const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
    w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
  }
  let [a, b, c, d, e, f, g, k] = h;
  for (let i = 0; i < 64; i++) {
    const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + ROUND[i] + w[i]) >>> 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  const next = [a, b, c, d, e, f, g, k];
  for (let i = 0; i < 8; i++) h[i] = (h[i] + next[i]) >>> 0;
}

/**
 * The SHA-256 digest of `bytes` as 64 lowercase hex digits (the same as `sha256sum`).
 * @example
 * sha256Hex(new TextEncoder().encode('abc')); // 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export function sha256Hex(bytes: Uint8Array): string {
  const h = INITIAL.slice();
  const w = new Uint32Array(64);
  const whole = bytes.length - (bytes.length % 64);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 0; offset < whole; offset += 64) compress(h, w, view, offset);
  // The tail: the last partial block, a 1 bit, zeros, and the length in bits as 64-bit big-endian.
  const tail = new Uint8Array(bytes.length - whole + 9 <= 64 ? 64 : 128);
  tail.set(bytes.subarray(whole));
  tail[bytes.length - whole] = 0x80;
  const tailView = new DataView(tail.buffer);
  tailView.setUint32(tail.length - 8, Math.floor(bytes.length / 2 ** 29), false);
  tailView.setUint32(tail.length - 4, (bytes.length * 8) >>> 0, false);
  for (let offset = 0; offset < tail.length; offset += 64) compress(h, w, tailView, offset);
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}

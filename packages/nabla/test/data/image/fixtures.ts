import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under test/fixtures/images/. */
export const fixturePath = (name: string): string =>
  fileURLToPath(new URL(`../../fixtures/images/${name}`, import.meta.url));

export interface Flat {
  shape: number[];
  data: number[];
}

export interface ImageFixtures {
  idx: Record<'images' | 'labels' | 'float32' | 'float64' | 'int16' | 'int32', Flat>;
  decoded: Record<string, { width: number; height: number; L: number[]; RGB: number[] }>;
  resize: { x: Flat; size: [number, number]; out: Flat }[];
}

/** test/fixtures/images.json, written by scripts/fixtures/gen_images.py (PyTorch, Pillow). */
export const fixtures: ImageFixtures = JSON.parse(
  readFileSync(new URL('../../fixtures/images.json', import.meta.url), 'utf8'),
);

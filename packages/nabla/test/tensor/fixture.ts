import { readFileSync } from 'node:fs';
import type { DType } from '../../src/index.js';

export type JsonNumber = number | string | boolean | JsonNumber[];

/** test/fixtures/tensor.json, written by scripts/fixtures/gen_tensor.py. */
export interface TensorFixture {
  torch: string;
  strings: { name: string; values: JsonNumber; shape: number[]; dtype: DType; requiresGrad?: boolean; text: string }[];
  promotion: {
    op: string;
    a: DType;
    bKind: 'dim' | '0d' | 'scalar';
    b: DType;
    dtype?: DType;
    values?: JsonNumber[];
    error?: string;
  }[];
  creation: Record<string, JsonNumber[]>;
  indices: Record<string, JsonNumber>;
}

export const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/tensor.json', import.meta.url), 'utf8'),
) as TensorFixture;

/** Flattens fixture values, turning 'nan' / 'inf' / '-inf' strings and booleans back into numbers. */
export function numbers(v: JsonNumber): number[] {
  if (Array.isArray(v)) return v.flatMap(numbers);
  if (typeof v === 'string') return [Number(v.replace('inf', 'Infinity'))];
  return [Number(v)];
}

import type { TypedArray } from '../../tensor/dtype.js';

export function gather(
  x: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  xSize: number,
  idxSize: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idxSize; j++) {
      const row = (o * idxSize + j) * inner;
      for (let i = 0; i < inner; i++) out[row + i] = x[(o * xSize + index[row + i]) * inner + i];
    }
  }
}

export function scatterAdd(
  src: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  outSize: number,
  idxSize: number,
  inner: number,
): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idxSize; j++) {
      const row = (o * idxSize + j) * inner;
      for (let i = 0; i < inner; i++) out[(o * outSize + index[row + i]) * inner + i] += src[row + i];
    }
  }
}

export function indexSelect(
  x: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  xSize: number,
  inner: number,
): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const src = (o * xSize + index[j]) * inner;
      const dst = (o * m + j) * inner;
      for (let i = 0; i < inner; i++) out[dst + i] = x[src + i];
    }
  }
}

export function indexAdd(
  src: TypedArray,
  index: Int32Array,
  out: TypedArray,
  outer: number,
  outSize: number,
  inner: number,
): void {
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      const from = (o * m + j) * inner;
      const to = (o * outSize + index[j]) * inner;
      for (let i = 0; i < inner; i++) out[to + i] += src[from + i];
    }
  }
}

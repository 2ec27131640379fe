import type { TypedArray } from './dtype.js';

/** Typed-array memory shared by a tensor and its views; `version` counts in-place writes. */
export class Storage {
  version = 0;
  constructor(public readonly data: TypedArray) {}
}

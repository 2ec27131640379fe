import type { FloatArray } from '../tensor/dtype.js';
import type { AdamStep } from './optim-kernels.js';

/**
 * Kernels over the units of a layer (continual backprop, ReDo, plasticity diagnostics). A
 * tensor is viewed as `[outer, units, inner]`: a Linear weight `[out, in]` as `[1, out, in]`
 * (unit = row) or `[out, in, 1]` (unit = column), a Conv2d weight `[cOut, cIn, kH, kW]` as
 * `[1, cOut, cIn·kH·kW]` or `[cOut, cIn, kH·kW]`, features `[batch, channels, h, w]` as
 * `[batch, channels, h·w]`. `idx` lists units (each at most once).
 */
export interface UnitKernels {
  /**
   * Per unit u, over its `outer·inner` elements: `meanAbs[u]` = mean |x|; `mean[u]` = mean x when
   * given; `meanAbsCentered[u]` = mean |x − center[u]| when both are given. Sums in float64.
   */
  unitMeans(
    x: FloatArray,
    outer: number,
    units: number,
    inner: number,
    meanAbs: Float64Array,
    mean: Float64Array | null,
    center: Float64Array | null,
    meanAbsCentered: Float64Array | null,
  ): void;
  /** `x[o, idx[j], i] = src[o·idx.length·inner + j·inner + i]` (src `[outer, idx.length, inner]`), or `value` when src is null. */
  setUnits(
    x: FloatArray,
    outer: number,
    units: number,
    inner: number,
    idx: Int32Array,
    src: FloatArray | null,
    value: number,
  ): void;
  /** `bias[o] += Σ_j Σ_i w[o, idx[j], i] · scale[j]` (summed in float64, added once per o). */
  absorbUnits(
    w: FloatArray,
    outer: number,
    units: number,
    inner: number,
    idx: Int32Array,
    scale: Float64Array,
    bias: FloatArray,
  ): void;
  /** Sets `active[u] = 1` for each unit with some element > 0 (leaves the others as they are). */
  markActive(x: FloatArray, outer: number, units: number, inner: number, active: Uint8Array): void;
  /**
   * The eigenvalues of the symmetric `n × n` matrix `a` (row-major, overwritten), by cyclic
   * Jacobi rotations, into `out` in descending order.
   */
  symmetricEigenvalues(a: Float64Array, n: number, out: Float64Array): void;
  /**
   * `p[i] = shrink·p[i] + anchorWeight·anchor[i] + noise·ε_i` (anchor null: no anchor term; noise 0:
   * no draw), the ε_i standard normal from the xorshift128 generator whose four words `rng` holds
   * (advanced in place, so a seeded state gives the same noise on every backend): L2, L2-Init and
   * Shrink & Perturb in one pass.
   */
  shrinkPerturb(
    p: FloatArray,
    shrink: number,
    anchor: FloatArray | null,
    anchorWeight: number,
    noise: number,
    rng: Uint32Array,
  ): void;
  /**
   * Adam (AdamW with `decoupled`) where every element has its own step count `steps[i]`, which the
   * kernel increments before using it: units reinitialised by continual backprop restart their bias
   * correction at step 1 while the rest of the tensor goes on. With every count equal to t it gives
   * the bits of `optim.adam` at step t + 1. `vMax` null unless amsgrad.
   */
  adamElementSteps(
    p: FloatArray,
    g: FloatArray,
    m: FloatArray,
    v: FloatArray,
    vMax: FloatArray | null,
    steps: FloatArray,
    h: AdamStep,
    decoupled: boolean,
  ): void;
}

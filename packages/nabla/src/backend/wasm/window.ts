import { jsBackend } from '../js/index.js';
import type { Kernels, Window2d } from '../kernels.js';
import { F, KIND, WINDOW_FIELDS } from './layout.js';
import type { WasmContext } from './matmul.js';

/** Below this many output elements the copies cost more than the JS loop: stay in JS. */
const WASM_MIN = 4096;
/** Output elements from which a window kernel is split across threads by plane. */
const PARALLEL_MIN = 1 << 18;

/** The window's fields in job word order; typed so that each must be a field of Window2d. */
const FIELDS: readonly (keyof Window2d)[] = WINDOW_FIELDS;

/** Writes a window job's kind, window fields and pointers into the job descriptor. */
export function writeWindow(job: Int32Array, kind: number, w: Window2d, src: number, dst: number, idx: number): void {
  job[F.kind] = kind;
  FIELDS.forEach((f, i) => {
    job[F.win + i] = w[f];
  });
  job[F.src] = src;
  job[F.dst] = dst;
  job[F.idx] = idx;
}

/**
 * im2col, col2im and max pooling in WASM for float32 (float64 stays on the reference): the
 * input is copied in, every plane's windows are unfolded (or folded back) by whichever thread
 * owns the plane, and the result is copied out with one block copy.
 */
export function makeWindowKernels(ctx: WasmContext): Pick<Kernels, 'im2col' | 'col2im' | 'maxPool2d'> {
  const threadsFor = (n: number): number => (n < PARALLEL_MIN ? 1 : ctx.threads);
  /** im2col and col2im differ only in direction: copy `src` in, run the job, copy `dst` out. */
  const unfoldOrFold = (kind: number, src: Float32Array, dst: Float32Array, w: Window2d, work: number): void => {
    const heap = ctx.heap;
    heap.reset();
    const ps = heap.alloc(src.length);
    const pd = heap.alloc(dst.length);
    heap.f32.set(src, ps >> 2);
    writeWindow(heap.job, kind, w, ps, pd, 0);
    ctx.pool.run(threadsFor(work));
    dst.set(heap.f32.subarray(pd >> 2, (pd >> 2) + dst.length));
  };
  return {
    im2col(x, cols, w) {
      if (
        !(x instanceof Float32Array && cols instanceof Float32Array) ||
        cols.length < WASM_MIN ||
        !ctx.heap.fits(x.length + cols.length)
      )
        return jsBackend.im2col(x, cols, w);
      unfoldOrFold(KIND.im2col, x, cols, w, cols.length);
    },
    col2im(cols, x, w) {
      if (
        !(x instanceof Float32Array && cols instanceof Float32Array) ||
        cols.length < WASM_MIN ||
        !ctx.heap.fits(x.length + cols.length)
      )
        return jsBackend.col2im(cols, x, w);
      unfoldOrFold(KIND.col2im, cols, x, w, cols.length);
    },
    maxPool2d(x, out, indices, w) {
      if (
        !(x instanceof Float32Array && out instanceof Float32Array) ||
        x.length < WASM_MIN ||
        !ctx.heap.fits(x.length + 2 * out.length)
      )
        return jsBackend.maxPool2d(x, out, indices, w);
      const heap = ctx.heap;
      heap.reset();
      const px = heap.alloc(x.length);
      const po = heap.alloc(out.length);
      const pi = heap.alloc(out.length);
      heap.f32.set(x, px >> 2);
      writeWindow(heap.job, KIND.maxPool2d, w, px, po, pi);
      ctx.pool.run(threadsFor(x.length));
      out.set(heap.f32.subarray(po >> 2, (po >> 2) + out.length));
      indices.set(heap.i32.subarray(pi >> 2, (pi >> 2) + out.length));
    },
  };
}

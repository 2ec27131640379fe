import { jsBackend } from '../js/index.js';
import type { Kernels, Window2d } from '../kernels.js';
import { F, KIND } from './job.js';
import type { WasmContext } from './matmul.js';

/** Below this many output elements the copies cost more than the JS loop: stay in JS. */
const WASM_MIN = 4096;
/** Output elements from which a window kernel is split across threads by plane. */
const PARALLEL_MIN = 1 << 18;

const FIELDS: readonly (keyof Window2d)[] = [
  'batch', 'channels', 'height', 'width', 'kernelH', 'kernelW', 'strideH', 'strideW',
  'padH', 'padW', 'dilationH', 'dilationW', 'outH', 'outW',
];

function writeWindow(job: Int32Array, kind: number, w: Window2d, src: number, dst: number, idx: number): void {
  job[F.kind] = kind;
  FIELDS.forEach((f, i) => { job[F.win + i] = w[f]; });
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
  return {
    im2col(x, cols, w) {
      if (!(x instanceof Float32Array && cols instanceof Float32Array) || cols.length < WASM_MIN || !ctx.heap.fits(x.length + cols.length)) return jsBackend.im2col(x, cols, w);
      const heap = ctx.heap;
      heap.reset();
      const px = heap.alloc(x.length);
      const pc = heap.alloc(cols.length);
      heap.f32.set(x, px >> 2);
      writeWindow(heap.job, KIND.im2col, w, px, pc, 0);
      ctx.pool.run(threadsFor(cols.length));
      cols.set(heap.f32.subarray(pc >> 2, (pc >> 2) + cols.length));
    },
    col2im(cols, x, w) {
      if (!(x instanceof Float32Array && cols instanceof Float32Array) || cols.length < WASM_MIN || !ctx.heap.fits(x.length + cols.length)) return jsBackend.col2im(cols, x, w);
      const heap = ctx.heap;
      heap.reset();
      const pc = heap.alloc(cols.length);
      const px = heap.alloc(x.length);
      heap.f32.set(cols, pc >> 2);
      writeWindow(heap.job, KIND.col2im, w, pc, px, 0);
      ctx.pool.run(threadsFor(cols.length));
      x.set(heap.f32.subarray(px >> 2, (px >> 2) + x.length));
    },
    maxPool2d(x, out, indices, w) {
      if (!(x instanceof Float32Array && out instanceof Float32Array) || x.length < WASM_MIN || !ctx.heap.fits(x.length + 2 * out.length)) return jsBackend.maxPool2d(x, out, indices, w);
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

import type { FloatArray } from '../../tensor/dtype.js';
import type { ConvWindow, Kernels } from '../kernels.js';
import { CONV_GRAD_CHUNKS, F, JOB_BASE, KIND } from './layout.js';
import type { WasmContext } from './matmul.js';
import { writeWindow } from './window.js';

/** Multiply-adds from which a convolution is split across threads (by image). */
const PARALLEL_MIN_MACS = 1 << 20;
/** Floats of alignment slack per block the heap hands out (64-byte alignment). */
const SLACK = 16;

/**
 * Fused float32 convolution (groups 1) in WASM: the input and weight are copied in once, each
 * thread unfolds one image at a time into its own columns area (which stays in cache) and
 * multiplies it there, and only the result is copied out. Compared with im2col + GEMM as separate
 * kernels, the batch's columns are never written out of WASM memory and read back in.
 */
export function makeConvKernels(ctx: WasmContext, areaBytes: (job: number) => number): NonNullable<Kernels['conv2d']> {
  const f32 = (...arrays: (FloatArray | null)[]): boolean =>
    arrays.every((a) => a === null || a instanceof Float32Array);
  const unfolded = (w: ConvWindow): number => w.channels * w.kernelH * w.kernelW;
  const threadsFor = (w: ConvWindow): number =>
    w.batch * w.outChannels * unfolded(w) * w.outH * w.outW < PARALLEL_MIN_MACS ? 1 : ctx.threads;
  /** Resets the operand area and reserves blocks of these sizes, or returns null when they cannot fit. */
  const reserve = (sizes: number[]): number[] | null => {
    if (!ctx.heap.fits(sizes.reduce((s, n) => s + n + SLACK, 0))) return null;
    ctx.heap.reset();
    return sizes.map((n) => ctx.heap.alloc(n));
  };
  /**
   * Writes the job's kind, window and output channels, and returns the bytes of one thread's
   * area, which the module computes from them (convAreaBytes in assembly/index.ts).
   */
  const plan = (kind: number, w: ConvWindow): number => {
    const job = ctx.heap.job;
    writeWindow(job, kind, w, 0, 0, 0);
    job[F.co] = w.outChannels;
    return areaBytes(JOB_BASE);
  };
  /** Writes the planned job's pointers and runs it; the job view is re-read since `reserve` may grow memory. */
  const run = (
    threads: number,
    f: { src: number; dst: number; wt: number; bias: number; cols: number; colsBytes: number; dy: number },
  ): void => {
    const job = ctx.heap.job;
    job[F.src] = f.src;
    job[F.dst] = f.dst;
    job[F.wt] = f.wt;
    job[F.bias] = f.bias;
    job[F.cols] = f.cols;
    job[F.colsBytes] = f.colsBytes;
    job[F.dy] = f.dy;
    job[F.scratch] = ctx.heap.scratchBase;
    ctx.pool.run(threads);
  };
  let sums = new Float64Array(0);
  return {
    forward(x, weight, bias, out, w) {
      if (!f32(x, weight, bias, out)) return false;
      const threads = threadsFor(w);
      const colsBytes = plan(KIND.convForward, w);
      const at = reserve([x.length, weight.length, bias?.length ?? 0, out.length, (threads * colsBytes) / 4]);
      if (!at) return false;
      const [px, pw, pb, py, pcols] = at;
      const mem = ctx.heap.f32;
      mem.set(x, px >> 2);
      mem.set(weight, pw >> 2);
      if (bias) mem.set(bias, pb >> 2);
      run(threads, { src: px, dst: py, wt: pw, bias: bias ? pb : 0, cols: pcols, colsBytes, dy: 0 });
      out.set(ctx.heap.f32.subarray(py >> 2, (py >> 2) + out.length));
      return true;
    },
    weightGrad(dy, x, dw, db, w) {
      if (!f32(dy, x, dw, db)) return false;
      const threads = threadsFor(w);
      const [co, ck] = [w.outChannels, unfolded(w)];
      const chunks = Math.min(w.batch, CONV_GRAD_CHUNKS);
      const colsBytes = plan(KIND.convWeightGrad, w);
      const at = reserve([x.length, dy.length, chunks * co * ck, db ? chunks * co : 0, (threads * colsBytes) / 4]);
      if (!at) return false;
      const [px, pdy, ppart, pdb, pcols] = at;
      const mem = ctx.heap.f32;
      mem.set(x, px >> 2);
      mem.set(dy, pdy >> 2);
      mem.fill(0, ppart >> 2, (ppart >> 2) + chunks * co * ck);
      if (db) mem.fill(0, pdb >> 2, (pdb >> 2) + chunks * co);
      run(threads, { src: px, dst: ppart, wt: 0, bias: db ? pdb : 0, cols: pcols, colsBytes, dy: pdy });
      // Partials are added in chunk order, so the sum does not depend on thread timing.
      const size = co * ck;
      if (sums.length < size) sums = new Float64Array(size);
      const part = ctx.heap.f32;
      const add = (base: number, count: number, outArr: FloatArray): void => {
        sums.fill(0, 0, count);
        for (let c = 0; c < chunks; c++) {
          const from = (base >> 2) + c * count;
          for (let i = 0; i < count; i++) sums[i] += part[from + i];
        }
        for (let i = 0; i < count; i++) outArr[i] = sums[i];
      };
      add(ppart, size, dw);
      if (db) add(pdb, co, db);
      return true;
    },
    inputGrad(dy, weight, dx, w) {
      if (!f32(dy, weight, dx)) return false;
      const threads = threadsFor(w);
      const colsBytes = plan(KIND.convInputGrad, w);
      const at = reserve([dy.length, weight.length, dx.length, (threads * colsBytes) / 4]);
      if (!at) return false;
      const [pdy, pw, pdx, pcols] = at;
      const mem = ctx.heap.f32;
      mem.set(dy, pdy >> 2);
      mem.set(weight, pw >> 2);
      run(threads, { src: pdy, dst: pdx, wt: pw, bias: 0, cols: pcols, colsBytes, dy: 0 });
      dx.set(ctx.heap.f32.subarray(pdx >> 2, (pdx >> 2) + dx.length));
      return true;
    },
  };
}

/**
 * LeNet-5's two convolutions and the Fashion-MNIST CNN's, kernel by kernel, 1 thread each: the
 * native backend with nabla's compiled kernels (one wide GEMM per chunk), without them (WASM
 * im2col + a GEMM per image), and the WASM backend's fused kernels.
 * `node --conditions=nabla-source --import tsx bench/native-conv.ts`
 */
import { loadBlas } from '../packages/nabla/src/backend/native/blas.js';
import { convKernels, loadCKernels, withCKernels } from '../packages/nabla/src/backend/native/c-kernels.js';
import { makeNativeConv, setNativeThinK } from '../packages/nabla/src/backend/native/conv.js';
import { startWasm } from '../packages/nabla/src/backend/wasm/index.js';

const { blas, reason } = await loadBlas();
if (!blas) throw new Error(reason);
blas.setThreads(1);
const wasm = await startWasm({ threads: 1 });
const conv = makeNativeConv(blas, wasm);
const { kernels } = await loadCKernels();
const compiled = kernels ? makeNativeConv(blas, wasm, convKernels(kernels)) : null;
// Per-image GEMMs, unfolding on the compiled im2col/col2im instead of WASM's.
const perImage = kernels ? makeNativeConv(blas, withCKernels(wasm, kernels)) : null;
const rnd = (n: number) => Float32Array.from({ length: n }, () => Math.random() - 0.5);
// Fastest of `reps` calls: on a shared machine the minimum is the least disturbed.
const T = (f: () => void, reps = 15): string => {
  f();
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, performance.now() - t0);
  }
  return best.toFixed(3);
};
for (const w of [
  {
    batch: 64,
    channels: 1,
    height: 28,
    width: 28,
    kernelH: 5,
    kernelW: 5,
    strideH: 1,
    strideW: 1,
    padH: 2,
    padW: 2,
    dilationH: 1,
    dilationW: 1,
    outH: 28,
    outW: 28,
    outChannels: 6,
  },
  {
    batch: 64,
    channels: 6,
    height: 14,
    width: 14,
    kernelH: 5,
    kernelW: 5,
    strideH: 1,
    strideW: 1,
    padH: 0,
    padW: 0,
    dilationH: 1,
    dilationW: 1,
    outH: 10,
    outW: 10,
    outChannels: 16,
  },
  // The Fashion-MNIST CNN's two 3×3 layers at batch 128.
  {
    batch: 128,
    channels: 1,
    height: 28,
    width: 28,
    kernelH: 3,
    kernelW: 3,
    strideH: 1,
    strideW: 1,
    padH: 1,
    padW: 1,
    dilationH: 1,
    dilationW: 1,
    outH: 28,
    outW: 28,
    outChannels: 32,
  },
  {
    batch: 128,
    channels: 32,
    height: 14,
    width: 14,
    kernelH: 3,
    kernelW: 3,
    strideH: 1,
    strideW: 1,
    padH: 1,
    padW: 1,
    dilationH: 1,
    dilationW: 1,
    outH: 14,
    outW: 14,
    outChannels: 64,
  },
]) {
  const ck = w.channels * w.kernelH * w.kernelW,
    L = w.outH * w.outW;
  const x = rnd(w.batch * w.channels * w.height * w.width),
    wt = rnd(w.outChannels * ck),
    b = rnd(w.outChannels);
  const y = new Float32Array(w.batch * w.outChannels * L),
    dy = rnd(y.length),
    dw = new Float32Array(wt.length),
    db = new Float32Array(w.outChannels),
    dx = new Float32Array(x.length);
  const cols = new Float32Array(ck * w.batch * L);
  console.log(`conv ${w.channels}->${w.outChannels} L=${L}: wasm im2col ${T(() => wasm.im2col(x, cols, w))} ms`);
  const tmp = new Float32Array(w.outChannels * w.batch * L);
  console.log(
    `  gemm fwd ${T(() => blas.gemm(false, false, w.outChannels, w.batch * L, ck, 1, wt, ck, cols, w.batch * L, 0, tmp, w.batch * L))} ms, gemm dW ${T(() => blas.gemm(false, true, w.outChannels, ck, w.batch * L, 1, tmp, w.batch * L, cols, w.batch * L, 0, dw, ck))} ms, gemm dcols ${T(() => blas.gemm(true, false, ck, w.batch * L, w.outChannels, 1, wt, ck, tmp, w.batch * L, 0, cols, w.batch * L))} ms`,
  );
  console.log(
    `  native fwd ${T(() => conv.forward(x, wt, b, y, w))} dW ${T(() => conv.weightGrad(dy, x, dw, db, w))} dX ${T(() => conv.inputGrad(dy, wt, dx, w))}`,
  );
  if (compiled) {
    const thin = setNativeThinK(0); // the wide GEMM for every layer, thin ones included
    console.log(
      `  wide   fwd ${T(() => compiled.forward(x, wt, b, y, w))} dW ${T(() => compiled.weightGrad(dy, x, dw, db, w))} dX ${T(() => compiled.inputGrad(dy, wt, dx, w))}`,
    );
    setNativeThinK(thin);
    if (ck < thin)
      console.log(
        `  direct fwd ${T(() => compiled.forward(x, wt, b, y, w))} dW ${T(() => compiled.weightGrad(dy, x, dw, db, w))} (the compiled short-window kernels, as the native backend runs this layer)`,
      );
  }
  if (perImage)
    console.log(
      `  c-im2col fwd ${T(() => perImage.forward(x, wt, b, y, w))} dW ${T(() => perImage.weightGrad(dy, x, dw, db, w))} dX ${T(() => perImage.inputGrad(dy, wt, dx, w))}`,
    );
  console.log(
    `  wasm   fwd ${T(() => wasm.conv2d!.forward(x, wt, b, y, w))} dW ${T(() => wasm.conv2d!.weightGrad(dy, x, dw, db, w))} dX ${T(() => wasm.conv2d!.inputGrad(dy, wt, dx, w))}`,
  );
}
process.exit(0);

/**
 * TF.js side of `npm run bench` (TF.js 4.22 with its cpu or wasm backend): the same workloads
 * as bench/nabla-runner.ts, written in tfjs-core ops, printed as one JSON line.
 * Usage: tsx bench/tfjs-runner.ts cpu|wasm --repeats N [--workloads sgemm,mlp,lenet,infer]
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { flag, medianRates, type Rates } from './measure.js';

type Params = tf.Variable[];

function dense(inp: number, out: number): Params {
  const bound = 1 / Math.sqrt(inp);
  return [
    tf.variable(tf.randomUniform([inp, out], -bound, bound)),
    tf.variable(tf.randomUniform([out], -bound, bound)),
  ];
}

function conv(k: number, inC: number, outC: number): Params {
  const bound = 1 / Math.sqrt(inC * k * k);
  return [
    tf.variable(tf.randomUniform([k, k, inC, outC], -bound, bound)),
    tf.variable(tf.randomUniform([outC], -bound, bound)),
  ];
}

function mlpForward(p: Params, x: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  for (let i = 0; i < p.length; i += 2) {
    h = tf.add(tf.matMul(h, p[i] as tf.Variable<tf.Rank.R2>), p[i + 1]);
    if (i + 2 < p.length) h = tf.relu(h);
  }
  return h;
}

function lenetForward(p: Params, x: tf.Tensor4D): tf.Tensor2D {
  const block = (
    h: tf.Tensor4D,
    i: number,
    pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]],
  ): tf.Tensor4D =>
    tf.maxPool(
      tf.relu(tf.add(tf.conv2d(h, p[i] as tf.Variable<tf.Rank.R4>, 1, pad), p[i + 1])) as tf.Tensor4D,
      2,
      2,
      'valid',
    );
  const h = block(
    block(x, 0, [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ]),
    2,
    'valid',
  );
  return mlpForward(p.slice(4), tf.reshape(h, [h.shape[0], 400]));
}

async function trainRate(
  params: Params,
  forward: (x: tf.Tensor) => tf.Tensor2D,
  x: tf.Tensor,
  labels: tf.Tensor2D,
  repeats: number,
): Promise<Rates> {
  const opt = tf.train.momentum(0.01, 0.9);
  const step = async () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(labels, forward(x)), true, params);
    await loss?.data();
    loss?.dispose();
  };
  return medianRates(step, x.shape[0], { repeats, minCalls: 1 });
}

const scale = (r: Rates, f: (x: number) => number): Rates => ({ wall: f(r.wall), cpu: f(r.cpu) });

async function run(workload: string, repeats: number): Promise<Rates> {
  return (async () => {
    if (workload === 'sgemm') {
      const a = tf.randomNormal([1024, 1024]);
      const b = tf.randomNormal([1024, 1024]);
      return scale(
        await medianRates(
          async () => {
            const c = tf.matMul(a, b);
            await c.data();
            c.dispose();
          },
          2 * 1024 ** 3,
          { repeats, minCalls: 1, warmup: 1 },
        ),
        (r) => r / 1e9,
      );
    }
    if (workload === 'mlp') {
      const labels = tf.oneHot(tf.randomUniform([128], 0, 10, 'int32') as tf.Tensor1D, 10) as tf.Tensor2D;
      const params = [...dense(784, 512), ...dense(512, 256), ...dense(256, 10)];
      return trainRate(
        params,
        (x) => mlpForward(params, x as tf.Tensor2D),
        tf.randomNormal([128, 784]),
        labels,
        repeats,
      );
    }
    if (workload === 'lenet') {
      const labels = tf.oneHot(tf.randomUniform([64], 0, 10, 'int32') as tf.Tensor1D, 10) as tf.Tensor2D;
      const params = [...conv(5, 1, 6), ...conv(5, 6, 16), ...dense(400, 120), ...dense(120, 84), ...dense(84, 10)];
      return trainRate(
        params,
        (x) => lenetForward(params, x as tf.Tensor4D),
        tf.randomNormal([64, 28, 28, 1]),
        labels,
        repeats,
      );
    }
    const params = [...dense(784, 256), ...dense(256, 256), ...dense(256, 10)];
    const x = tf.randomNormal([1, 784]) as tf.Tensor2D;
    const rate = await medianRates(
      () => {
        const y = tf.tidy(() => mlpForward(params, x));
        y.dataSync();
        y.dispose();
      },
      1,
      { repeats },
    );
    return scale(rate, (r) => 1e6 / r);
  })();
}

async function main(): Promise<void> {
  const backend = process.argv[2];
  const repeats = Number(flag('repeats', '3'));
  const workloads = flag('workloads', 'sgemm,mlp,lenet,infer').split(',');
  if (backend === 'wasm') {
    const require = createRequire(import.meta.url);
    setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + '/');
  }
  await tf.setBackend(backend);
  await tf.ready();
  const out: Record<string, number | string> = { backend: tf.getBackend() };
  for (const w of workloads) {
    try {
      const r = await run(w, repeats);
      out[w] = r.wall;
      out[`${w}Cpu`] = r.cpu;
    } catch (e) {
      out[w] = `cannot run: ${(e as Error).message.split('\n')[0].slice(0, 120)}`;
    }
  }
  console.log(JSON.stringify(out));
}

await main();

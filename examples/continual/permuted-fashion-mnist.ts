/**
 * Online Permuted Fashion-MNIST (the paper's Online Permuted MNIST, on the Fashion-MNIST that
 * Debian ships): each task is a new fixed permutation of the pixels of the training images, seen
 * once, one at a time (batch 1, SGD), by a 784-100-100-100-10 ReLU network. The accuracy on each
 * image before the update, averaged over the task, is the task's online accuracy. BP, L2, Shrink &
 * Perturb, ReDo and continual backprop train side by side, task by task, and the diagnostics
 * (dead units, effective rank, mean |weight|) are measured on a probe of images after every task.
 *
 *   node --conditions=nabla-source --import tsx examples/continual/permuted-fashion-mnist.ts \
 *     [--tasks 200] [--images 60000] [--probe 2000] [--methods bp,l2,snp,redo,cbp] [--lr 0.003] [--seed 0] [--out FILE]
 *
 * --images N uses N training images per task (60000: all; a fresh random subset each task), --probe N
 * the images the diagnostics are measured on. Results are rewritten after
 * every task (atomically), so a run cut short keeps what it finished; --resume is not offered:
 * a run is seconds to minutes per task and restarts from task 0.
 */
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ContinualBackprop,
  Generator,
  PlasticityMonitor,
  Tensor,
  manualSeed,
  nn,
  optim,
  type ContinualBackpropOptions,
} from 'nabla';
import { loadFashionMnist } from 'nabla/node';

const PIXELS = 784;
const WIDTH = 100;

/** The methods: BP, and the options of `ContinualBackprop` that make each other one. */
export const METHODS: Record<string, ContinualBackpropOptions | null> = {
  bp: null,
  l2: { replacementRate: 0, l2: 1e-4 },
  snp: { replacementRate: 0, shrinkPerturb: { weightDecay: 1e-4, noise: 1e-5 } },
  redo: { replacementRate: 0, redo: { every: 1000, threshold: 0.01 } },
  cbp: { replacementRate: 1e-4, maturityThreshold: 100, decayRate: 0.99, utility: 'adaptableContribution' },
};

interface Learner {
  name: string;
  model: nn.Sequential;
  opt: optim.SGD;
  cbp: ContinualBackprop | null;
  monitor: PlasticityMonitor;
  accuracy: number[];
  deadFraction: number[];
  effectiveRank: number[];
  meanAbsWeight: number[];
  seconds: number;
  steps: number;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      tasks: { type: 'string', default: '200' },
      images: { type: 'string', default: '60000' },
      probe: { type: 'string', default: '2000' },
      methods: { type: 'string', default: Object.keys(METHODS).join(',') },
      lr: { type: 'string', default: '0.003' },
      seed: { type: 'string', default: '0' },
      out: { type: 'string', default: 'examples/continual/results/permuted-fashion-mnist.json' },
    },
  });
  const tasks = Number(values.tasks);
  const images = Number(values.images);
  const lr = Number(values.lr);
  const seed = Number(values.seed);
  const names = values.methods.split(',');
  for (const n of names)
    if (!(n in METHODS)) throw new Error(`unknown method ${n}; known: ${Object.keys(METHODS).join(', ')}`);
  const train = loadFashionMnist();
  if (!(images >= 1 && images <= train.length)) throw new Error(`--images must be in 1..${train.length}`);
  const pixels = new Float32Array(train.length * PIXELS);
  for (let i = 0; i < pixels.length; i++) pixels[i] = train.pixels[i] / 255;
  const labels = train.labels;
  const probeCount = Math.min(Number(values.probe), images);

  const learners: Learner[] = names.map((name) => {
    manualSeed(seed); // every method starts from the same weights
    const model = new nn.Sequential(
      new nn.Linear(PIXELS, WIDTH),
      new nn.ReLU(),
      new nn.Linear(WIDTH, WIDTH),
      new nn.ReLU(),
      new nn.Linear(WIDTH, WIDTH),
      new nn.ReLU(),
      new nn.Linear(WIDTH, 10),
    );
    const opt = new optim.SGD(model.parameters(), { lr });
    const options = METHODS[name];
    const cbp = options ? new ContinualBackprop(model, opt, { ...options, seed }) : null;
    // The probe is replaced every task (the task's permutation); the monitor only needs a placeholder now.
    const monitor = new PlasticityMonitor(model, { probe: Tensor.fromData(new Float32Array(PIXELS), [1, PIXELS]) });
    return {
      name,
      model,
      opt,
      cbp,
      monitor,
      accuracy: [],
      deadFraction: [],
      effectiveRank: [],
      meanAbsWeight: [],
      seconds: 0,
      steps: 0,
    };
  });

  const g = new Generator(seed + 7);
  const lossFn = new nn.CrossEntropyLoss();
  const x = new Float32Array(PIXELS);
  for (let task = 0; task < tasks; task++) {
    const perm = shuffled(PIXELS, g);
    const order = shuffled(train.length, g).subarray(0, images);
    const probe = new Float32Array(probeCount * PIXELS);
    for (let i = 0; i < probeCount; i++) permute(pixels, order[i], perm, probe.subarray(i * PIXELS, (i + 1) * PIXELS));
    for (const l of learners) {
      const start = performance.now();
      let correct = 0;
      for (let k = 0; k < images; k++) {
        const i = order[k];
        permute(pixels, i, perm, x);
        const xs = Tensor.fromData(x.slice(), [1, PIXELS]);
        const out = l.model.forward(xs);
        const loss = lossFn.forward(out, Tensor.fromData(Int32Array.of(labels[i]), [1]));
        if (out.argmax(1).item() === labels[i]) correct++;
        l.opt.zeroGrad();
        loss.backward();
        l.opt.step();
        l.cbp?.step();
      }
      l.seconds += (performance.now() - start) / 1000;
      l.steps += images;
      l.accuracy.push(correct / images);
      (l.monitor as unknown as { options: { probe: Tensor } }).options.probe = Tensor.fromData(probe, [
        probeCount,
        PIXELS,
      ]);
      const r = l.monitor.measure();
      l.deadFraction.push(r.deadFraction.reduce((a, b) => a + b, 0) / r.deadFraction.length);
      l.effectiveRank.push(r.effectiveRank.reduce((a, b) => a + b, 0) / r.effectiveRank.length);
      const w = Object.values(r.meanAbsWeight);
      l.meanAbsWeight.push(w.reduce((a, b) => a + b, 0) / w.length);
    }
    console.log(
      `task ${task + 1}: ` +
        learners
          .map(
            (l) =>
              `${l.name} ${(100 * l.accuracy[task]).toFixed(1)}% (dead ${(100 * l.deadFraction[task]).toFixed(0)}%, erank ${l.effectiveRank[task].toFixed(1)})`,
          )
          .join(', ') +
        `  [${Math.round(learners[0].steps / learners[0].seconds)} steps/s]`,
    );
    const result = {
      tasks: task + 1,
      images,
      probe: probeCount,
      lr,
      seed,
      methods: Object.fromEntries(names.map((n) => [n, METHODS[n]])),
      learners: learners.map((l) => ({
        name: l.name,
        accuracy: l.accuracy,
        deadFraction: l.deadFraction,
        effectiveRank: l.effectiveRank,
        meanAbsWeight: l.meanAbsWeight,
        replaced: l.cbp ? l.cbp.replaced.reduce((a, b) => a + b, 0) : 0,
        seconds: l.seconds,
        stepsPerSecond: l.steps / l.seconds,
      })),
    };
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(`${values.out}.tmp`, JSON.stringify(result));
    renameSync(`${values.out}.tmp`, values.out);
  }
}

function shuffled(n: number, g: Generator): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = g.integer(0, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function permute(pixels: Float32Array, image: number, perm: Int32Array, out: Float32Array): void {
  const base = image * PIXELS;
  for (let p = 0; p < PIXELS; p++) out[p] = pixels[base + perm[p]];
}

main();

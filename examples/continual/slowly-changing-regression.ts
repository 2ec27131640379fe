/**
 * The slowly-changing regression problem of Dohare et al. (Nature 2024), online: 20 binary
 * inputs, the first 15 "flipping" bits held for 10,000 steps and the last 5 random per example;
 * the target is a fixed network of 100 linear threshold units with ±1 weights (thresholds from
 * β = 0.7). A 20-5-1 learner trains by online SGD (batch 1) on squared error; the error before
 * each update is averaged in bins of 20,000 examples.
 *
 *   node --conditions=nabla-source --import tsx examples/continual/slowly-changing-regression.ts \
 *     [--seeds 30] [--examples 1000000] [--bin 20000] [--flip all,one] \
 *     [--configs bp-relu,cbp-relu,bp-relu-lr0.003,bp-relu-lr0.001,linear,bp-tanh,cbp-tanh] [--out DIR]
 *
 * Flags: --seeds N (runs 0..N-1), --first-seed N, --examples N per run, --bin N examples per error
 * bin, --flip all|one|all,one (every 10,000 steps all 15 flipping bits are redrawn, as the authors'
 * published configuration does, or one of them is flipped, as the paper's text says), --configs
 * (see CONFIGS), --out (one JSON per run, default examples/continual/results/regression).
 * Runs are skipped when their JSON exists, so an interrupted sweep resumes.
 */
import { mkdirSync, existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ContinualBackprop, Generator, Tensor, manualSeed, nn, optim } from 'nabla';

const M = 20; // inputs
const FLIPPING = 15;
const TARGET_UNITS = 100;
const BETA = 0.7;
const FLIP_EVERY = 10_000;

export interface Config {
  activation: 'relu' | 'tanh' | 'linear';
  lr: number;
  cbp: boolean;
}

export const CONFIGS: Record<string, Config> = {
  'bp-relu': { activation: 'relu', lr: 0.01, cbp: false },
  'cbp-relu': { activation: 'relu', lr: 0.01, cbp: true },
  'bp-relu-lr0.003': { activation: 'relu', lr: 0.003, cbp: false },
  'bp-relu-lr0.001': { activation: 'relu', lr: 0.001, cbp: false },
  linear: { activation: 'linear', lr: 0.01, cbp: false },
  'bp-tanh': { activation: 'tanh', lr: 0.01, cbp: false },
  'cbp-tanh': { activation: 'tanh', lr: 0.01, cbp: true },
};

/** The target: 100 LTUs with ±1 weights and biases, τ_i = β(m+1) − S_i, S_i = (m − Σw_i + b_i)/2 (the authors' FixLTUNet); ±1 output weights and bias. */
class Target {
  readonly w: number[][];
  readonly b: number[];
  readonly tau: number[];
  readonly v: number[];
  readonly c: number;
  constructor(g: Generator) {
    const pm = () => (g.random() < 0.5 ? -1 : 1);
    this.w = Array.from({ length: TARGET_UNITS }, () => Array.from({ length: M }, pm));
    this.b = Array.from({ length: TARGET_UNITS }, pm);
    this.tau = this.w.map((row, i) => BETA * (M + 1) - (M - row.reduce((a, x) => a + x, 0) + this.b[i]) / 2);
    this.v = Array.from({ length: TARGET_UNITS }, pm);
    this.c = pm();
  }
  predict(x: Float32Array): number {
    let out = this.c;
    for (let i = 0; i < TARGET_UNITS; i++) {
      let pre = this.b[i];
      const row = this.w[i];
      for (let j = 0; j < M; j++) pre += row[j] * x[j];
      if (pre > this.tau[i]) out += this.v[i];
    }
    return out;
  }
}

export interface RunResult {
  variant: 'all' | 'one';
  config: string;
  seed: number;
  examples: number;
  bin: number;
  /** Mean squared error per bin. */
  errors: number[];
  replaced: number;
  seconds: number;
  stepsPerSecond: number;
}

export function run(variant: 'all' | 'one', name: string, seed: number, examples: number, bin: number): RunResult {
  const cfg = CONFIGS[name];
  if (!cfg) throw new Error(`unknown config ${name}; known: ${Object.keys(CONFIGS).join(', ')}`);
  // The problem (target and inputs) depends on the seed only, so every config sees the same data.
  const data = new Generator(1000 + seed);
  const target = new Target(data);
  manualSeed(seed);
  const model =
    cfg.activation === 'linear'
      ? new nn.Sequential(new nn.Linear(M, 1))
      : new nn.Sequential(
          new nn.Linear(M, 5),
          cfg.activation === 'relu' ? new nn.ReLU() : new nn.Tanh(),
          new nn.Linear(5, 1),
        );
  const opt = new optim.SGD(model.parameters(), { lr: cfg.lr });
  const cbp = cfg.cbp
    ? new ContinualBackprop(model, opt, {
        replacementRate: 1e-4,
        maturityThreshold: 100,
        decayRate: 0.99,
        utility: 'adaptableContribution',
        seed,
      })
    : null;
  const flipping = new Float32Array(FLIPPING);
  for (let j = 0; j < FLIPPING; j++) flipping[j] = data.random() < 0.5 ? 0 : 1;
  const errors: number[] = [];
  let sum = 0;
  const start = performance.now();
  for (let t = 0; t < examples; t++) {
    if (t > 0 && t % FLIP_EVERY === 0) {
      if (variant === 'all') for (let j = 0; j < FLIPPING; j++) flipping[j] = data.random() < 0.5 ? 0 : 1;
      else {
        const j = data.integer(0, FLIPPING);
        flipping[j] = 1 - flipping[j];
      }
    }
    const x = new Float32Array(M);
    x.set(flipping);
    for (let j = FLIPPING; j < M; j++) x[j] = data.random() < 0.5 ? 0 : 1;
    const y = target.predict(x);
    const xs = Tensor.fromData(x, [1, M]);
    const ys = Tensor.fromData(Float32Array.of(y), [1, 1]);
    const loss = nn.functional.mseLoss(model.forward(xs), ys);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    cbp?.step();
    sum += loss.item();
    if ((t + 1) % bin === 0) {
      errors.push(sum / bin);
      sum = 0;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return {
    variant,
    config: name,
    seed,
    examples,
    bin,
    errors,
    replaced: cbp ? cbp.replaced.reduce((a, b) => a + b, 0) : 0,
    seconds,
    stepsPerSecond: examples / seconds,
  };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '30' },
      'first-seed': { type: 'string', default: '0' },
      examples: { type: 'string', default: '1000000' },
      bin: { type: 'string', default: '20000' },
      flip: { type: 'string', default: 'all,one' },
      configs: { type: 'string', default: Object.keys(CONFIGS).join(',') },
      out: { type: 'string', default: 'examples/continual/results/regression' },
    },
  });
  const seeds = Number(values.seeds);
  const first = Number(values['first-seed']);
  const examples = Number(values.examples);
  const bin = Number(values.bin);
  const variants = values.flip.split(',') as ('all' | 'one')[];
  for (const v of variants) if (v !== 'all' && v !== 'one') throw new Error(`--flip takes all and/or one, got ${v}`);
  const configs = values.configs.split(',');
  for (const c of configs)
    if (!CONFIGS[c]) throw new Error(`unknown config ${c}; known: ${Object.keys(CONFIGS).join(', ')}`);
  mkdirSync(values.out, { recursive: true });
  // Seed-major: a sweep cut short still has every config for the seeds it finished.
  for (let seed = first; seed < first + seeds; seed++) {
    for (const variant of variants) {
      for (const config of configs) {
        const file = join(values.out, `${variant}-${config}-seed${seed}.json`);
        if (existsSync(file)) continue;
        const r = run(variant, config, seed, examples, bin);
        writeFileSync(`${file}.tmp`, JSON.stringify(r));
        renameSync(`${file}.tmp`, file);
        const last = r.errors.slice(-5);
        console.log(
          `${variant} ${config} seed ${seed}: first bin ${r.errors[0].toFixed(3)}, last 5 bins ${(last.reduce((a, b) => a + b, 0) / last.length).toFixed(3)}, ` +
            `${r.replaced} replaced, ${r.seconds.toFixed(1)} s (${Math.round(r.stepsPerSecond)} steps/s)`,
        );
      }
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();

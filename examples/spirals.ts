/**
 * Two interleaved spirals: a 2-32-32-2 tanh network trained with Adam and cross-entropy through
 * `fit`, with an ASCII map of the decision regions it learned.
 * Run: npx tsx examples/spirals.ts [--epochs 300]
 */
import { parseArgs } from 'node:util';
import { Generator, accuracy, fit, manualSeed, nn, optim, predict, tensor, twoSpirals } from 'nabla';

const { values } = parseArgs({ options: { epochs: { type: 'string', default: '300' } } });
manualSeed(0);
const g = new Generator(1);

const [x, y] = twoSpirals(100, g);
const model = new nn.Sequential(
  new nn.Linear(2, 32),
  new nn.Tanh(),
  new nn.Linear(32, 32),
  new nn.Tanh(),
  new nn.Linear(32, 2),
);
const start = performance.now();
const history = fit(model, [x, y], {
  loss: nn.functional.crossEntropy,
  optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }),
  epochs: Number(values.epochs),
  batchSize: 200,
  metrics: ['accuracy'],
  generator: g,
  callbacks: [
    {
      onEpochEnd: (e, logs) => {
        if ((e + 1) % 50 === 0)
          console.log(`epoch ${e + 1}  loss ${logs.loss.toFixed(4)}  accuracy ${logs.accuracy.toFixed(3)}`);
      },
    },
  ],
});
const seconds = (performance.now() - start) / 1000;
console.log(
  `trained ${history.epochs.length} epochs in ${seconds.toFixed(2)} s; training accuracy ${(100 * accuracy(predict(model, x), y)).toFixed(1)}%\n`,
);

// Decision regions on a grid over [-1.2, 1.2]²: '.' class 0, '#' class 1 ('o'/'X' mark the data).
const W = 60;
const H = 28;
const grid: number[][] = [];
for (let r = 0; r < H; r++)
  for (let c = 0; c < W; c++) grid.push([-1.2 + (2.4 * c) / (W - 1), 1.2 - (2.4 * r) / (H - 1)]);
const cls = predict(model, tensor(grid)).argmax(1).toTypedArray();
const rows = Array.from({ length: H }, (_, r) =>
  Array.from({ length: W }, (_, c): string => (cls[r * W + c] ? '#' : '.')),
);
const pts = x.toTypedArray();
const labels = y.toTypedArray();
for (let i = 0; i < labels.length; i++) {
  const c = Math.round(((pts[2 * i] + 1.2) / 2.4) * (W - 1));
  const r = Math.round(((1.2 - pts[2 * i + 1]) / 2.4) * (H - 1));
  if (r >= 0 && r < H && c >= 0 && c < W) rows[r][c] = labels[i] ? 'X' : 'o';
}
console.log(rows.map((r) => r.join('')).join('\n'));

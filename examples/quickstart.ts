/**
 * The README's quick start: the four steps of backpropagation written out by hand.
 * Run: npx tsx examples/quickstart.ts   (in your own project, import from 'nabla')
 */
import { linspace, manualSeed, nn, optim, ready } from 'nabla';

await ready(); // the fastest backend this platform has (WASM; with 'nabla/node', the native BLAS)
manualSeed(0);
const x = linspace(-3, 3, 200).reshape(200, 1); // 200 points, as a column [200, 1]
const y = x.sin();

const model = new nn.Sequential(new nn.Linear(1, 32), new nn.Tanh(), new nn.Linear(32, 1));
const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });

for (let step = 0; step <= 2000; step++) {
  const prediction = model.forward(x); //              1. forward pass (records the graph)
  const loss = nn.functional.mseLoss(prediction, y); // 2. loss: one number to minimise
  optimizer.zeroGrad(); //                              (clear the previous step's gradients)
  loss.backward(); //                                   3. backward: d loss / d parameter, in p.grad
  optimizer.step(); //                                  4. update every parameter from its gradient
  if (step % 400 === 0) console.log(`step ${step}  loss ${loss.item().toFixed(6)}`);
}

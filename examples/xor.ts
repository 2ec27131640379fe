/**
 * XOR, the classic problem a single layer cannot solve: a 2-4-1 sigmoid network trained by
 * plain full-batch gradient descent on the mean squared error, with the loop written out.
 * Run: npx tsx examples/xor.ts
 */
import { manualSeed, nn, optim, predict, tensor } from 'nabla';

manualSeed(0);
const x = tensor([
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
]);
const y = tensor([[0], [1], [1], [0]]);
const model = new nn.Sequential(new nn.Linear(2, 4), new nn.Sigmoid(), new nn.Linear(4, 1), new nn.Sigmoid());
const optimizer = new optim.SGD(model.parameters(), { lr: 2 });

for (let step = 0; step <= 3000; step++) {
  optimizer.zeroGrad();
  const loss = nn.functional.mseLoss(model.forward(x), y);
  loss.backward();
  optimizer.step();
  if (step % 500 === 0) console.log(`step ${String(step).padStart(4)}  mse ${loss.item().toFixed(5)}`);
}

const out = predict(model, x).toTypedArray();
console.log('\n x1 x2 | target  output');
for (let i = 0; i < 4; i++) {
  const [a, b] = x.select(0, i).toTypedArray();
  console.log(`  ${a}  ${b} |   ${y.select(0, i).item()}     ${out[i].toFixed(3)}`);
}

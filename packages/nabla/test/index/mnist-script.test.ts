/**
 * PyTorch's basic MNIST example (shrunk: 12x12 inputs, 4/8 channels), ported line by line and
 * started from PyTorch's own initial state dict: two Adadelta + StepLR steps must give the same
 * losses, learning rates, predictions and final weights (fixture: gen_api_nn.py mnist_script).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type Tensor, flatten, nn, optim, tensor, type DType } from '../../src/index.js';
import { assertClose } from '../helpers.js';

const F = nn.functional;

interface Enc {
  dtype: DType;
  shape: number[];
  data: number[];
}
const dec = (e: Enc): Tensor => tensor(e.data, { dtype: e.dtype }).reshape(e.shape);
const fx = JSON.parse(readFileSync(new URL('../fixtures/api-nn.json', import.meta.url), 'utf8')).mnistScript;

class Net extends nn.Module {
  conv1 = this.registerModule('conv1', new nn.Conv2d(1, 4, 3, { stride: 1 }));
  conv2 = this.registerModule('conv2', new nn.Conv2d(4, 8, 3, { stride: 1 }));
  dropout1 = this.registerModule('dropout1', new nn.Dropout(0.25));
  dropout2 = this.registerModule('dropout2', new nn.Dropout(0.5));
  fc1 = this.registerModule('fc1', new nn.Linear(128, 16));
  fc2 = this.registerModule('fc2', new nn.Linear(16, 10));

  forward(input: Tensor): Tensor {
    let x = F.relu(this.conv1.forward(input));
    x = F.relu(this.conv2.forward(x));
    x = F.maxPool2d(x, 2);
    x = this.dropout1.forward(x);
    x = flatten(x, 1);
    x = F.relu(this.fc1.forward(x));
    x = this.dropout2.forward(x);
    return F.logSoftmax(this.fc2.forward(x), 1);
  }
}

test('the PyTorch MNIST example, ported line by line, trains exactly like PyTorch', () => {
  const model = new Net().eval();
  model.loadStateDict(Object.fromEntries(Object.entries(fx.init as Record<string, Enc>).map(([k, v]) => [k, dec(v)])));
  const [x, y] = [dec(fx.x), dec(fx.y)];
  const opt = new optim.Adadelta(model.parameters(), { lr: 1.0 });
  const sched = new optim.StepLR(opt, { stepSize: 1, gamma: 0.7 });
  const losses: number[] = [];
  const lrs: number[] = [];
  for (let step = 0; step < 2; step++) {
    opt.zeroGrad();
    const loss = F.nllLoss(model.forward(x), y);
    loss.backward();
    opt.step();
    sched.step();
    losses.push(loss.item());
    lrs.push(sched.getLastLr()[0]);
  }
  assertClose(losses, fx.losses, { rtol: 1e-5, message: 'losses' });
  assertClose(lrs, fx.lrs, { rtol: 1e-12, message: 'learning rates' });
  const pred = model.forward(x).argmax(1, true);
  assert.equal(pred.eq(y.viewAs(pred)).sum().item(), fx.correct);
  const sd = model.stateDict();
  for (const [k, v] of Object.entries(fx.final as Record<string, Enc>))
    assertClose(sd[k], dec(v), { rtol: 1e-4, atol: 1e-6, message: k });
});

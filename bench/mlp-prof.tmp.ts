import { initWasm, optim, nn, randn, randint } from '../src/index.js';
import { mlp, lenet5 } from './models.js';
await initWasm({ threads: 1 });
const model = lenet5(); const x = randn([64, 1, 28, 28]); const y = randint(0, 10, [64]);
const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }); const loss = new nn.CrossEntropyLoss();
const step = () => { opt.zeroGrad(); loss.forward(model.forward(x), y).backward(); opt.step(); };
for (let i = 0; i < 150; i++) step();

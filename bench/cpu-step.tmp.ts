import { initWasm, setBackend, optim, nn, randn, randint, noGrad } from '../src/index.js';
import { mlp, lenet5, smallMlp } from './models.js';
await initWasm({ threads: 1 });
for (const which of ['mlp', 'lenet', 'infer']) {
  let step: () => void; let bs = 1;
  if (which === 'infer') { const m = smallMlp(); m.eval(); const x = randn([1, 784]); step = () => noGrad(() => { m.forward(x); }); }
  else {
    const model = which === 'lenet' ? lenet5() : mlp(); bs = which === 'lenet' ? 64 : 128;
    const x = which === 'lenet' ? randn([bs, 1, 28, 28]) : randn([bs, 784]); const y = randint(0, 10, [bs]);
    const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }); const loss = new nn.CrossEntropyLoss();
    step = () => { opt.zeroGrad(); loss.forward(model.forward(x), y).backward(); opt.step(); };
  }
  const N = which === 'infer' ? 3000 : 30;
  for (let i = 0; i < N / 3; i++) step();
  const c0 = process.cpuUsage(); const t0 = performance.now();
  for (let i = 0; i < N; i++) step();
  const c = process.cpuUsage(c0); const cpuMs = (c.user + c.system) / 1000 / N;
  console.log(which, 'cpu ms/step', cpuMs.toFixed(3), 'wall ms/step', ((performance.now() - t0) / N).toFixed(3), 'samples per cpu-s', (bs / cpuMs * 1000).toFixed(0));
}

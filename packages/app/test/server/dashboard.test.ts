import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitAsync, manualSeed, nn, optim, randn, TensorDataset } from 'nabla';
import { plasticityProbe } from '../../src/cli/plasticity.js';
import type { EpochRecord } from '../../src/cli/trainer.js';
import { startDashboard } from '../../src/server/dashboard.js';

/** Reads server-sent events from `url` until `until` returns true; returns them in order. */
async function readEvents(
  url: string,
  until: (events: { event: string; data: unknown }[]) => boolean,
  onOpen: () => void,
) {
  const res = await fetch(url);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body!.getReader();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  onOpen();
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += new TextDecoder().decode(value);
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

test('the dashboard streams batch progress, epoch curves as SVG, and the end of training', async () => {
  const dash = await startDashboard(0);
  try {
    const page = await fetch(dash.url);
    assert.match(await page.text(), /nabla training dashboard/);
    // A real run: 2 epochs of 4 batches, the dashboard as one of fit's callbacks.
    manualSeed(0);
    const x = randn([32, 2]);
    const y = x.select(1, 0).gt(0).to('int32');
    const model = new nn.Linear(2, 2);
    const train = () =>
      fitAsync(model, [x, y], {
        loss: nn.functional.crossEntropy,
        optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
        epochs: 2,
        batchSize: 8,
        metrics: ['accuracy'],
        validationData: [x, y],
        callbacks: [dash.callback],
      }).then(() => dash.finish());
    const events = await readEvents(
      `${dash.url}/events`,
      (ev) => ev.some((e) => e.event === 'done'),
      () => void train(),
    );
    const kinds = events.map((e) => e.event);
    assert.equal(kinds[0], 'batch');
    const batches = events
      .filter((e) => e.event === 'batch')
      .map((e) => e.data as { epoch: number; done: number; total: number; loss: number; accuracy: number });
    // Throttled, but each epoch's last batch is always sent.
    assert.deepEqual(
      batches.filter((b) => b.done === b.total).map((b) => [b.epoch, b.total]),
      [
        [1, 4],
        [2, 4],
      ],
    );
    assert.ok(batches.every((b) => b.loss > 0 && b.accuracy >= 0 && b.accuracy <= 1));
    assert.equal(kinds.at(-1), 'done');
    const last = events.filter((e) => e.event === 'epoch').at(-1)!.data as {
      record: EpochRecord;
      history: EpochRecord[];
      charts: { loss: string; accuracy: string };
    };
    assert.equal(last.record.epoch, 2);
    assert.equal(last.history.length, 2);
    assert.ok(last.record.valLoss !== null && last.record.samplesPerSecond > 0);
    assert.match(last.charts.loss, /^<svg/);
    assert.match(last.charts.accuracy, /validation/);
    const history = (await (await fetch(`${dash.url}/api/history`)).json()) as EpochRecord[];
    assert.deepEqual(
      history.map((r) => r.epoch),
      [1, 2],
    );
  } finally {
    await dash.close();
  }
});

test('with the plasticity probe among the callbacks, each epoch event carries the diagnostics and their charts', async () => {
  const dash = await startDashboard(0);
  try {
    manualSeed(0);
    const x = randn([32, 2]);
    const y = x.select(1, 0).gt(0).to('int32');
    const model = new nn.Sequential(new nn.Linear(2, 6), new nn.ReLU(), new nn.Linear(6, 2));
    const probe = plasticityProbe(model, new TensorDataset(x, y), new TensorDataset(x, y), 'mlp:2-6-2', 16);
    const train = () =>
      fitAsync(model, [x, y], {
        loss: nn.functional.crossEntropy,
        optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }),
        epochs: 2,
        batchSize: 8,
        metrics: ['accuracy'],
        // As in `nabla train`: the probe adds to the logs before the dashboard reads them.
        callbacks: [probe.callback, dash.callback],
      }).then(() => dash.finish());
    const events = await readEvents(
      `${dash.url}/events`,
      (ev) => ev.some((e) => e.event === 'done'),
      () => void train(),
    );
    const last = events.filter((e) => e.event === 'epoch').at(-1)!.data as {
      record: EpochRecord;
      charts: { plasticity?: Record<string, string> };
    };
    assert.equal(last.record.plasticity?.effectiveRank.length, 1);
    assert.deepEqual(
      last.record.plasticity?.effectiveRank,
      [probe.monitor.measure().effectiveRank[0]],
      'the last epoch measured the final weights',
    );
    assert.deepEqual(Object.keys(last.charts.plasticity ?? {}), [
      'deadUnits',
      'effectiveRank',
      'stableRank',
      'meanAbsWeight',
    ]);
    for (const svg of Object.values(last.charts.plasticity ?? {})) assert.match(svg, /^<svg/);
    const page = await (await fetch(`${dash.url}/dashboard.js`)).text();
    assert.match(page, /charts\.plasticity/);
  } finally {
    await dash.close();
  }
});

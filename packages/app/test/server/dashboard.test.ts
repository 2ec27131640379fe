import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDashboard } from '../../src/server/dashboard.js';
import { initialState, type EpochRecord } from '../../src/cli/trainer.js';

/** Reads server-sent events from `url` until `until` returns true; returns them in order. */
async function readEvents(url: string, until: (events: { event: string; data: unknown }[]) => boolean, onOpen: () => void) {
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
    let end;
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

const record = (epoch: number): EpochRecord => ({ epoch, loss: 1 / epoch, accuracy: 0.5 + epoch / 10, valLoss: 1.2 / epoch, valAccuracy: 0.4 + epoch / 10, seconds: 0.1, samplesPerSecond: 1000 });

test('the dashboard streams batch progress, epoch curves as SVG, and the end of training', async () => {
  const dash = await startDashboard(0);
  try {
    const page = await fetch(dash.url);
    assert.match(await page.text(), /nabla training dashboard/);
    const events = await readEvents(`${dash.url}/events`, (ev) => ev.some((e) => e.event === 'done'), () => {
      dash.hooks.onBatch?.(1, 4, 0.9, 0.5);
      dash.hooks.onBatch?.(4, 4, 0.7, 0.6);
      dash.hooks.onEpoch?.(record(1), initialState(0));
      dash.hooks.onEpoch?.(record(2), initialState(0));
      void dash.finish();
    });
    const kinds = events.map((e) => e.event);
    assert.equal(kinds[0], 'batch');
    assert.equal(kinds.at(-1), 'done');
    const last = events.filter((e) => e.event === 'epoch').at(-1)!.data as { record: EpochRecord; history: EpochRecord[]; charts: { loss: string; accuracy: string } };
    assert.equal(last.record.epoch, 2);
    assert.equal(last.history.length, 2);
    assert.match(last.charts.loss, /^<svg/);
    assert.match(last.charts.accuracy, /validation/);
    const history = (await (await fetch(`${dash.url}/api/history`)).json()) as EpochRecord[];
    assert.deepEqual(history.map((r) => r.epoch), [1, 2]);
  } finally {
    await dash.close();
  }
});

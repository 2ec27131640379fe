import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerPool } from '../../src/server/worker-pool.js';

// A worker that echoes, sleeps, throws or exits on request; it refuses to start when told to.
const WORKER = `
import { parentPort, workerData } from 'node:worker_threads';
if (workerData.refuse) parentPort.postMessage({ ready: false, error: 'no model here' });
else {
  parentPort.on('message', ({ id, task }) => {
    if (task === 'throw') throw new Error('a bug in the worker');
    if (task === 'exit') process.exit(3);
    const until = Date.now() + (task.sleep ?? 0);
    while (Date.now() < until);
    parentPort.postMessage({ id, status: 200, body: JSON.stringify(task) });
  });
  parentPort.postMessage({ ready: true });
}`;
const ENTRY = new URL(`data:text/javascript,${encodeURIComponent(WORKER)}`);

test('tasks queue in order over the workers and each gets its own reply', async () => {
  const pool = await WorkerPool.start({ size: 2, entry: ENTRY, workerData: {} });
  try {
    assert.equal(pool.workers, 2);
    const pending = [0, 1, 2, 3, 4].map((n) => pool.run({ n, sleep: 30 }));
    assert.equal(pool.busy, 2);
    assert.equal(pool.queued, 3);
    const replies = await Promise.all(pending);
    assert.deepEqual(
      replies.map((r) => JSON.parse(r.body as string).n),
      [0, 1, 2, 3, 4],
    );
    assert.equal(pool.queued, 0);
  } finally {
    await pool.close();
  }
});

test('a worker that dies fails only its task, with the reason, and is replaced', async () => {
  const errors: Error[] = [];
  const pool = await WorkerPool.start({ size: 1, entry: ENTRY, workerData: {}, onError: (e) => errors.push(e) });
  try {
    const waiting = pool.run({ n: 1 });
    await assert.rejects(pool.run('throw'), /a worker thread stopped: a bug in the worker/);
    await assert.rejects(pool.run('exit'), /a worker thread stopped: the worker thread exited with code 3/);
    assert.equal(JSON.parse((await waiting).body as string).n, 1);
    assert.equal(JSON.parse((await pool.run({ n: 2 })).body as string).n, 2, 'a replacement took over');
    assert.equal(errors.length, 2);
    assert.ok(errors[0].cause instanceof Error);
    assert.equal(pool.workers, 1);
  } finally {
    await pool.close();
  }
});

test('a worker that cannot start fails the pool with its reason; a closed pool refuses tasks', async () => {
  await assert.rejects(WorkerPool.start({ size: 2, entry: ENTRY, workerData: { refuse: true } }), /no model here/);
  const pool = await WorkerPool.start({ size: 1, entry: ENTRY, workerData: {} });
  await pool.close();
  await assert.rejects(pool.run({ n: 0 }), /closed/);
});

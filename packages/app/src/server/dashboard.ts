/** `nabla train --dashboard`: streams batch progress and epoch curves to the browser (server-sent events). */
import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';
import type { Callback } from 'nabla';
import { trainingCharts } from '../cli/charts.js';
import { epochRecord, EpochMeans, type EpochRecord } from '../cli/trainer.js';
import { jsonErrors, serveStatic } from './app.js';

export interface Dashboard {
  url: string;
  /** The `fit` callback that streams the run to the pages. */
  callback: Callback;
  /** Sends the final curves and tells the pages training ended (the server keeps serving them). */
  finish(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the dashboard server. Each epoch's event carries the record and both curves as SVG
 * (rendered by the same code as the training report); batch events are throttled to 4 a second.
 * A page that connects late first receives the latest epoch event.
 */
export async function startDashboard(port: number, host = '127.0.0.1'): Promise<Dashboard> {
  const app = Fastify({ logger: false });
  jsonErrors(app);
  const clients = new Set<ServerResponse>();
  const history: EpochRecord[] = [];
  let lastEpochEvent: string | null = null;
  const send = (event: string, data: unknown): string => {
    const message = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of clients) c.write(message);
    return message;
  };
  serveStatic(app, 'dashboard.html', '/');
  serveStatic(app, 'dashboard.js');
  serveStatic(app, 'style.css');
  app.get('/events', (req, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    reply.raw.write(': connected\n\n');
    if (lastEpochEvent) reply.raw.write(lastEpochEvent);
    clients.add(reply.raw);
    req.raw.on('close', () => clients.delete(reply.raw));
  });
  app.get('/api/history', async () => history);
  const url = await app.listen({ port, host });
  let lastBatch = 0;
  const means = new EpochMeans();
  const callback: Callback = {
    onEpochBegin: () => means.reset(),
    onBatchEnd(batch, logs, ctx) {
      const { loss, accuracy } = means.add(logs);
      const now = performance.now();
      const done = batch + 1;
      if (done !== ctx.batchesPerEpoch && now - lastBatch < 250) return;
      lastBatch = now;
      send('batch', { epoch: ctx.epoch + 1, done, total: ctx.batchesPerEpoch, loss, accuracy });
    },
    onEpochEnd(epoch, logs, ctx) {
      const record = epochRecord(epoch, logs, ctx);
      history.push(record);
      // Rendering is async; the training loop does not wait for it.
      void trainingCharts(history).then((charts) => {
        lastEpochEvent = send('epoch', { record, history, charts });
      });
    },
  };
  return {
    url,
    callback,
    async finish() {
      if (history.length)
        lastEpochEvent = send('epoch', {
          record: history[history.length - 1],
          history,
          charts: await trainingCharts(history),
        });
      lastEpochEvent = `${lastEpochEvent ?? ''}${send('done', { epochs: history.length })}`;
    },
    async close() {
      for (const c of clients) c.end();
      await app.close();
    },
  };
}

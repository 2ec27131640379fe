/**
 * A fixed set of worker threads taking tasks in arrival order (`nabla serve` runs image decoding
 * and inference on them). The queue has no bound of its own: the server bounds the requests it
 * admits (--max-inflight), which bounds the queue. A worker that dies is replaced; the task it held
 * fails with the reason.
 */
import { type Transferable, Worker } from 'node:worker_threads';

/** What a worker sends back for task `id`: a 200 body, or a status with its error. */
export interface TaskReply {
  id: number;
  status: number;
  body?: string;
  error?: string;
  /** The stack of an unexpected (5xx) error, for the server log. */
  stack?: string;
  /** The memory of the task's bytes, moved back for reuse once the worker is done with it. */
  memory?: ArrayBuffer;
}

/** A worker's first message: whether it started (loaded the model). */
export type WorkerMessage = { ready: true } | { ready: false; error: string };

interface Job {
  id: number;
  task: unknown;
  transfer: Transferable[];
  resolve(reply: TaskReply): void;
  reject(error: Error): void;
}

export interface WorkerPoolOptions {
  /** Worker threads. */
  size: number;
  /** The worker module; it posts a WorkerMessage once started, then one TaskReply per task. */
  entry: URL;
  workerData: unknown;
  /** Told when a worker dies and when a replacement fails to start. */
  onError?: (error: Error) => void;
  /** V8 heap bound of each worker: a runaway worker dies alone instead of taking the process down. */
  maxHeapMb?: number;
}

export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Job>();
  private readonly queue: Job[] = [];
  private nextId = 0;
  private closed = false;
  private live = 0;
  private starting = 0;

  private constructor(private readonly options: WorkerPoolOptions) {}

  /**
   * Starts `size` workers and resolves once all are ready; rejects with the first one's error.
   * @example
   * const pool = await WorkerPool.start({ size: 2, entry: new URL('./w.js', import.meta.url), workerData: {} });
   * const reply = await pool.run({ kind: 'rows', body });
   */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      await Promise.all(Array.from({ length: options.size }, () => pool.spawn()));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Workers alive now. */
  get workers(): number {
    return this.live;
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Tasks being worked on. */
  get busy(): number {
    return this.running.size;
  }

  /**
   * Queues a task; resolves with the worker's reply, rejects if the worker dies on it. The buffers
   * in `transfer` move to the worker (unusable here afterwards) instead of being copied.
   */
  run(task: unknown, transfer: Transferable[] = []): Promise<TaskReply> {
    if (this.closed) return Promise.reject(new Error('the worker pool is closed'));
    if (this.live === 0 && this.idle.length === 0 && this.running.size === 0 && this.starting === 0) {
      return Promise.reject(new Error('no worker thread is running'));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, transfer, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the server is shutting down'));
    const all = [...this.idle, ...this.running.keys()];
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const worker = this.idle.pop() as Worker;
      const job = this.queue.shift() as Job;
      this.running.set(worker, job);
      worker.postMessage({ id: job.id, task: job.task }, job.transfer);
    }
  }

  private spawn(): Promise<void> {
    const { entry, workerData, maxHeapMb } = this.options;
    const fromSources = entry.pathname.endsWith('.ts');
    const worker = new Worker(fromSources ? tsxBootstrap(entry) : entry, {
      eval: fromSources,
      workerData,
      resourceLimits: maxHeapMb ? { maxOldGenerationSizeMb: maxHeapMb } : undefined,
    });
    this.starting++;
    return new Promise((resolve, reject) => {
      let started = false;
      let failure: Error | null = null;
      worker.on('error', (e) => {
        failure = e;
      });
      worker.once('message', (m: WorkerMessage) => {
        if (!m.ready) {
          failure = new Error(m.error);
          void worker.terminate();
          return;
        }
        started = true;
        this.starting--;
        this.live++;
        worker.on('message', (reply: TaskReply) => this.finish(worker, reply));
        this.idle.push(worker);
        this.pump();
        resolve();
      });
      worker.once('exit', (code) => {
        const why = failure ?? new Error(`the worker thread exited with code ${code}`);
        if (!started) {
          this.starting--;
          return reject(why);
        }
        this.live--;
        const at = this.idle.indexOf(worker);
        if (at >= 0) this.idle.splice(at, 1);
        const job = this.running.get(worker);
        this.running.delete(worker);
        if (this.closed) return;
        const lost = new Error(`a worker thread stopped: ${why.message}`, { cause: why });
        this.options.onError?.(lost);
        job?.reject(lost);
        this.spawn().catch((e: Error) => {
          this.options.onError?.(new Error(`a replacement worker failed to start: ${e.message}`, { cause: e }));
          // With no worker left, waiting tasks would wait forever.
          if (this.live === 0) for (const waiting of this.queue.splice(0)) waiting.reject(e);
        });
      });
    });
  }

  private finish(worker: Worker, reply: TaskReply): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    if (!this.closed) this.idle.push(worker);
    job?.resolve(reply);
    this.pump();
  }
}

/**
 * A worker from TypeScript sources (tests run through tsx): Node 20 applies the parent's loader
 * hooks to no worker, so the worker registers tsx itself, then imports its module.
 */
function tsxBootstrap(entry: URL): string {
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((m) => m.register()).then(() => import(${JSON.stringify(entry.href)}));`;
}

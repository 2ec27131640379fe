/**
 * Turns for reading request bodies. Node reads every socket that has data in one turn of the event
 * loop: with dozens of multi-megabyte uploads arriving at once, one turn copies hundreds of
 * megabytes and every other request (a health check) waits behind it. Here a body flows only
 * while it holds one of a few turns; the others stay paused in their sockets (TCP holds their
 * clients back). A turn lasts until the body ends, or `turnMs` when others wait: then the body is
 * paused and queued again, so a slow or stalled client cannot hold one up.
 */
import type { IncomingMessage } from 'node:http';

export class ReadQueue {
  private readonly active = new Map<IncomingMessage, NodeJS.Timeout>();
  private readonly waiting: IncomingMessage[] = [];

  /**
   * @param turns bodies read at once
   * @param turnMs longest turn while other bodies wait
   */
  constructor(
    private readonly turns: number,
    private readonly turnMs = 100,
  ) {}

  /**
   * Takes over the reading of `req`'s body: it flows (to whoever listens, or nowhere) only in its
   * turns. Call it before anything reads the body; also for a request answered without reading
   * its body (429), which Node would otherwise drain at once.
   * @example
   * queue.schedule(req.raw); // then read the body as usual
   */
  schedule(req: IncomingMessage): void {
    if (req.readableEnded || req.destroyed) return;
    req.pause();
    // read(0) marks the body as consumed, so Node does not drain it by itself after the answer.
    req.read(0);
    const leave = () => {
      clearTimeout(this.active.get(req));
      this.active.delete(req);
      const at = this.waiting.indexOf(req);
      if (at >= 0) this.waiting.splice(at, 1);
      this.pump();
    };
    req.once('end', leave);
    req.once('close', leave);
    this.waiting.push(req);
    this.pump();
  }

  private pump(): void {
    while (this.active.size < this.turns && this.waiting.length) {
      const req = this.waiting.shift() as IncomingMessage;
      this.active.set(req, this.endOfTurn(req));
      req.resume();
    }
  }

  private endOfTurn(req: IncomingMessage): NodeJS.Timeout {
    const timer = setTimeout(() => {
      if (!this.active.has(req)) return;
      if (this.waiting.length === 0) {
        this.active.set(req, this.endOfTurn(req));
        return;
      }
      req.pause();
      this.active.delete(req);
      this.waiting.push(req);
      this.pump();
    }, this.turnMs);
    timer.unref();
    return timer;
  }
}

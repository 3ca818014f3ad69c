// How far each partition has been applied, and the waiters that make writes
// "immediately searchable": a write returns once the index has applied its offset.

import { BoundedQueue, QueueFullError } from '../common/bounded-queue';

/** Writes and strong reads waiting on one materializer; past this a wait answers "not applied" (503) at once. */
export const APPLIED_WAITERS_MAX = 100_000;
export const APPLIED_WAITERS_QUEUE = 'applied_offset_waiters';

interface Waiter {
  partition: number;
  offset: bigint;
  deadlineMs: number;
  resolve: (ok: boolean) => void;
}

export class AppliedOffsets {
  private readonly next: bigint[];
  private readonly waiters = new BoundedQueue<Waiter>(APPLIED_WAITERS_QUEUE, APPLIED_WAITERS_MAX);
  private closed = false;

  constructor(partitions: number) {
    this.next = new Array(partitions).fill(0n);
  }

  get(partition: number): bigint {
    return this.next[partition];
  }

  set(partition: number, nextOffset: bigint): void {
    this.next[partition] = nextOffset;
  }

  advance(partition: number, nextOffset: bigint): void {
    if (nextOffset <= this.next[partition]) return;
    this.next[partition] = nextOffset;
    // A long synchronous apply can starve the timeout timer; the deadline still counts.
    const now = Date.now();
    for (const w of this.waiters.takeWhere((w) => w.partition === partition && w.offset < nextOffset)) w.resolve(now <= w.deadlineMs);
  }

  /**
   * Resolves true once `offset` of `partition` is applied, false on timeout or close.
   * The timeout runs from `startedAtMs` (a write's arrival), so time spent appending counts.
   */
  waitFor(partition: number, offset: bigint, timeoutMs: number, startedAtMs = Date.now()): Promise<boolean> {
    const deadlineMs = startedAtMs + timeoutMs;
    if (offset < this.next[partition]) return Promise.resolve(Date.now() <= deadlineMs);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        partition,
        offset,
        deadlineMs,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.takeWhere((w) => w === waiter);
        resolve(false);
      }, Math.max(0, deadlineMs - Date.now()));
      try {
        this.waiters.push(waiter);
      } catch (err) {
        if (!(err instanceof QueueFullError)) throw err;
        waiter.resolve(false);
      }
    });
  }

  /** Waits until every partition has applied everything below its end offset. */
  async waitForEnds(ends: Map<number, bigint>, timeoutMs: number): Promise<boolean> {
    const waits = [...ends].filter(([, end]) => end > 0n).map(([p, end]) => this.waitFor(p, end - 1n, timeoutMs));
    return (await Promise.all(waits)).every(Boolean);
  }

  /** Lag per partition against the given end offsets (for health and metrics). */
  lag(ends: Map<number, bigint>): bigint {
    let total = 0n;
    for (const [p, end] of ends) if (end > this.next[p]) total += end - this.next[p];
    return total;
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.drain()) w.resolve(false);
    this.waiters.dispose();
  }
}

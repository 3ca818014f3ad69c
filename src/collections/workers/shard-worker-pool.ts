// A bounded pool of worker threads (one per core by default) that hold the live HNSW
// indexes of this node's collection shards (shard.worker.ts). Shards are spread over
// the workers (the least loaded takes the next one) and stay on their worker, so one
// shard's requests are answered in order.
//
// Back-pressure: each worker's inbox (requests posted, not yet answered) holds at most
// INBOX_MAX; a request beyond waits its turn in a bounded queue (QueueFullError past
// WAITING_MAX), and its depth is a metric. The collection materializer awaits each
// apply, so a shard never has more than one batch in a worker: an apply backlog stays
// in the log, not in memory.
//
// A worker that dies (a crash, or the test hook) rejects what it held with
// ShardWorkerLostError, is replaced on the next request, and the owners of the shards
// it held are told (onLost) so they reopen them from their checkpoints and replay the
// log. Workers are stopped by a message (they finish what they hold, then exit), never
// by Worker.terminate(): terminating a thread inside hnswlib-node aborts the process.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { BoundedQueue } from '../../common/bounded-queue';
import type { ReplyEnvelope, ShardEnvelope, ShardReply, ShardRequest } from './shard-protocol';

/** Requests one worker holds unanswered; more wait in the inbox queue. */
export const INBOX_MAX = 32;
/** Requests waiting for room in one worker's inbox; past this a request fails (a search answers 503). */
export const INBOX_WAITING_MAX = 10_000;
export const INBOX_WAITING_QUEUE = 'shard_worker_inbox_waiting';

export class ShardWorkerLostError extends Error {
  constructor(worker: number, code: number | null) {
    super(`shard worker ${worker} exited (code ${code ?? 'unknown'}); its shards are reopened from their checkpoints`);
    this.name = 'ShardWorkerLostError';
  }
}

type Answered = Extract<ShardReply, { ok: true }>;

class ShardWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Answered) => void; reject: (e: Error) => void }>();
  /** Inbox slots taken (posted and unanswered, or granted to a waiter about to post). */
  private occupied = 0;
  private readonly waiting = new BoundedQueue<() => void>(INBOX_WAITING_QUEUE, INBOX_WAITING_MAX);
  private stopping: Promise<void> | null = null;

  constructor(
    readonly slot: number,
    private readonly onExit: (slot: number, code: number) => void,
  ) {}

  get inboxDepth(): number {
    return this.occupied;
  }

  async request(request: ShardRequest, transfer: ArrayBuffer[] = []): Promise<Answered> {
    if (this.occupied < INBOX_MAX) this.occupied++;
    else await new Promise<void>((granted) => this.waiting.push(granted));
    try {
      if (this.stopping) throw new Error('the shard worker pool is stopping');
      const worker = this.start();
      const id = this.nextId++;
      return await new Promise<Answered>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        worker.postMessage({ id, request } satisfies ShardEnvelope, transfer);
      });
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.occupied--;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const entry = workerEntry();
    // env: this module's view of the environment (under jest that is the test's, not the process's).
    const worker = new Worker(entry.file, { execArgv: entry.execArgv, env: process.env });
    worker.unref(); // it must not keep a stopping process alive; stop() ends it properly
    worker.on('message', ({ id, reply }: ReplyEnvelope) => {
      const p = this.pending.get(id);
      if (!p) return;
      this.pending.delete(id);
      if (reply.ok) p.resolve(reply);
      else p.reject(replyError(reply));
    });
    // An uncaught exception in the worker; 'exit' follows and does the rest.
    worker.on('error', () => undefined);
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const lost = [...this.pending.values()];
      this.pending.clear();
      if (this.stopping) {
        for (const p of lost) p.reject(new Error('the shard worker pool stopped'));
        return;
      }
      // Owners first, so they mark their shards as recovering before the failed requests come back.
      this.onExit(this.slot, code);
      for (const p of lost) p.reject(new ShardWorkerLostError(this.slot, code));
    });
    this.worker = worker;
    return worker;
  }

  /** Lets the worker finish what it holds, then exit. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      const worker = this.worker;
      if (!worker) return resolve();
      worker.once('exit', () => resolve());
      worker.postMessage({ id: 0, request: { op: 'shutdown' } });
    });
    return this.stopping;
  }

  dispose(): void {
    for (const w of this.waiting.drain()) w();
    this.waiting.dispose();
  }
}

export class ShardWorkerPool {
  private readonly workers: ShardWorker[];
  private readonly placement = new Map<string, number>();
  private readonly listeners = new Set<(keys: string[]) => void>();
  /** Workers that died and were replaced. */
  restarts = 0;

  constructor(readonly size: number = Math.max(1, os.availableParallelism())) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`shard worker pool: size must be a positive integer, got ${size}`);
    this.workers = Array.from({ length: size }, (_, slot) => new ShardWorker(slot, (s) => this.lost(s)));
  }

  /** The worker that holds `key`, placing it on the least loaded one the first time. */
  place(key: string): number {
    const placed = this.placement.get(key);
    if (placed !== undefined) return placed;
    const load = new Array<number>(this.size).fill(0);
    for (const slot of this.placement.values()) load[slot]++;
    const slot = load.indexOf(Math.min(...load));
    this.placement.set(key, slot);
    return slot;
  }

  /** Forgets where `key` was (its shard is closed). */
  unplace(key: string): void {
    this.placement.delete(key);
  }

  request(key: string, request: ShardRequest, transfer?: ArrayBuffer[]): Promise<Answered> {
    return this.workers[this.place(key)].request(request, transfer);
  }

  /** A request to one worker by slot (a search over the shards it holds). */
  requestSlot(slot: number, request: ShardRequest): Promise<Answered> {
    return this.workers[slot].request(request);
  }

  /** Told the keys of the shards a dead worker held. Returns the unsubscribe. */
  onLost(listener: (keys: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  inboxDepths(): number[] {
    return this.workers.map((w) => w.inboxDepth);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
    for (const w of this.workers) w.dispose();
  }

  private lost(slot: number): void {
    this.restarts++;
    const keys = [...this.placement].filter(([, s]) => s === slot).map(([key]) => key);
    for (const listener of this.listeners) listener(keys);
  }
}

function replyError(reply: Extract<ShardReply, { ok: false }>): Error {
  const err = new Error(reply.message) as Error & { code?: string };
  if (reply.name) err.name = reply.name;
  if (reply.code !== undefined) err.code = reply.code;
  return err;
}

function workerEntry(): { file: string; execArgv?: string[] } {
  // Under ts-jest / ts-node this module is TypeScript, and so is the worker: load it with ts-node.
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, ts ? 'shard.worker.ts' : 'shard.worker.js');
  if (!fs.existsSync(file)) throw new Error(`shard worker not found at ${file}`);
  return ts ? { file, execArgv: ['-r', require.resolve('ts-node/register/transpile-only')] } : { file };
}

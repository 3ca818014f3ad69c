// Builds one shard's HNSW index from a session's rows, off the event loop: a worker
// thread does the hnswlib inserts (CPU-bound, synchronous in hnswlib-node) and
// writes the index to disk; the caller loads it and swaps it in.
//
// The vectors travel as one Float32Array whose buffer is TRANSFERRED to the worker,
// not copied: after buildShardInWorker returns, the caller's `job.rows.vectors` is
// detached (length 0). Exception: a Float32Array that is only a view into a larger
// buffer (a subarray, a pooled Buffer) is copied first, so the rest of that buffer
// stays usable; a SharedArrayBuffer-backed one is shared as is.
//
// Determinism: hnswlib seeds its level generator with hnsw.randomSeed and inserts one
// point at a time here, so the same seed + the same rows (same order) give a
// byte-identical graph file, whether built in a worker or in the calling thread.
//
// baseDir mode: the index saved in baseDir is loaded and the rows are upserted into
// it (a later row for an id replaces the earlier vector). The loaded index keeps ITS
// OWN M / efConstruction / efSearch (hnswlib cannot change them on an existing graph);
// job.hnsw is only used when building from scratch.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { HnswParams, Metric, ShardIndex, ShardIndexError } from '../shard-index';

export interface BuildRows {
  ids: string[];
  /** ids.length × dimension, row-major. */
  vectors: Float32Array;
}

export interface ShardBuildJob {
  dimension: number;
  metric: Metric;
  /** Includes randomSeed (hnswlib's default 100 when omitted). */
  hnsw: HnswParams;
  rows: BuildRows;
  /** Rows are applied on top of the index saved here; null builds from scratch. */
  baseDir: string | null;
  /** Size the graph to the final element count up front, so it never resizes during the build. */
  exactCapacity: boolean;
  /** Where the built index is written (ShardIndex.saveTo); the caller creates it. */
  outDir: string;
  /**
   * Set to 1 (Atomics.store) to stop the build between two rows. Builds are stopped this
   * way, never by Worker.terminate(): terminating a worker while hnswlib-node is inside
   * addPoint makes the addon's error path call napi_throw on a dying environment, which
   * is a FATAL ERROR that aborts the whole process, not just the worker.
   */
  cancel?: Int32Array;
}

export class BuildCancelledError extends Error {
  constructor() {
    super('shard build cancelled');
    this.name = 'BuildCancelledError';
  }
}

const cancelled = (job: ShardBuildJob): boolean => job.cancel !== undefined && Atomics.load(job.cancel, 0) === 1;

export interface BuildProgress {
  indexed: number;
  total: number;
}

/** A row the index refused during a build; the rest of the build goes on without it. */
export interface RejectedRow {
  /** Position in job.rows. */
  row: number;
  /** The ShardIndexError code, e.g. INVALID_VECTOR. */
  code: string;
  message: string;
}

export interface BuildResult {
  /** Rows applied (repeated ids count every time). */
  indexed: number;
  /** Rows the index refused; the caller files them (a build never drops a row silently). */
  rejected: RejectedRow[];
  elapsedMs: number;
}

export interface BuildInWorkerOptions {
  /** Aborting stops the worker at its next row; the promise rejects with the signal's reason once it has exited. */
  signal?: AbortSignal;
}

/** Progress is reported every 1% of the rows, and at least every this many rows. */
const PROGRESS_EVERY_ROWS_MAX = 2_000;

/** Rows between two progress reports for a job of `total` rows. */
export function progressStep(total: number): number {
  return Math.max(1, Math.min(PROGRESS_EVERY_ROWS_MAX, Math.ceil(total / 100)));
}

/** Cheap shape checks, run before a worker is started and again inside it. */
function checkJob(job: ShardBuildJob): void {
  if (job === null || typeof job !== 'object') throw new Error('build job: must be an object');
  const { dimension, rows } = job;
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new Error(`build job: dimension must be a positive integer, got ${String(dimension)}`);
  }
  if (!rows || !Array.isArray(rows.ids)) throw new Error('build job: rows.ids must be an array of strings');
  if (!(rows.vectors instanceof Float32Array)) throw new Error('build job: rows.vectors must be a Float32Array');
  const needed = rows.ids.length * dimension;
  if (needed > 0 && rows.vectors.buffer.byteLength === 0) {
    throw new Error('build job: rows.vectors is detached (its buffer was already transferred to a build worker)');
  }
  if (rows.vectors.length !== needed) {
    throw new Error(
      `build job: dimension mismatch: ${rows.ids.length} ids × dimension ${dimension} need ${needed} floats, ` +
        `rows.vectors holds ${rows.vectors.length}`,
    );
  }
  if (typeof job.outDir !== 'string' || job.outDir === '') throw new Error('build job: outDir must be a directory path');
  if (job.baseDir !== null && (typeof job.baseDir !== 'string' || job.baseDir === '')) {
    throw new Error('build job: baseDir must be a directory path or null');
  }
}

function openIndex(job: ShardBuildJob): ShardIndex {
  const { ids } = job.rows;
  if (job.baseDir === null) {
    return ShardIndex.create({
      dimension: job.dimension,
      metric: job.metric,
      hnsw: job.hnsw,
      // Distinct ids: a repeated id replaces its earlier row in place (same label).
      initialCapacity: job.exactCapacity ? Math.max(1, new Set(ids).size) : undefined,
    });
  }
  const base = ShardIndex.loadFrom(job.baseDir);
  if (base.dimension !== job.dimension) {
    throw new Error(`build job: dimension mismatch: the job has dimension ${job.dimension}, the base index in ${job.baseDir} has ${base.dimension}`);
  }
  if (base.metric !== job.metric) {
    throw new Error(`build job: metric mismatch: the job has ${job.metric}, the base index in ${job.baseDir} has ${base.metric}`);
  }
  if (job.exactCapacity) base.reserveFor(ids);
  return base;
}

/** The build itself, in the calling thread: the worker runs this; benches and tests use it as the baseline. */
export function buildShard(job: ShardBuildJob, onProgress?: (p: BuildProgress) => void): BuildResult {
  const started = performance.now();
  checkJob(job);
  const { ids, vectors } = job.rows;
  const { dimension } = job;
  const total = ids.length;
  const index = openIndex(job);
  const step = progressStep(total);
  if (total === 0) onProgress?.({ indexed: 0, total });
  const rejected: RejectedRow[] = [];
  for (let i = 0; i < total; i++) {
    if ((i & 63) === 0 && cancelled(job)) throw new BuildCancelledError();
    try {
      index.upsert(ids[i], vectors.subarray(i * dimension, (i + 1) * dimension));
    } catch (err) {
      // One bad row (e.g. written straight to the log by a Kafka producer) must not fail
      // the session's other rows; anything that is not about the row still fails the build.
      if (!(err instanceof ShardIndexError)) throw err;
      rejected.push({ row: i, code: err.code, message: err.message });
    }
    if (onProgress && ((i + 1) % step === 0 || i + 1 === total)) onProgress({ indexed: i + 1, total });
  }
  if (cancelled(job)) throw new BuildCancelledError();
  index.saveTo(job.outDir);
  return { indexed: total - rejected.length, rejected, elapsedMs: performance.now() - started };
}

/** Messages from shard-build.worker.ts. */
export type WorkerMessage =
  | { type: 'progress'; indexed: number; total: number }
  | { type: 'done'; result: BuildResult }
  | { type: 'error'; message: string; name?: string; code?: string };

/** The vectors as they will be handed to the worker (see the top of the file), and what to transfer. */
function forTransfer(vectors: Float32Array): { vectors: Float32Array; transfer: ArrayBuffer[] } {
  const buffer = vectors.buffer;
  if (typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer) return { vectors, transfer: [] };
  const whole = vectors.byteOffset === 0 && vectors.byteLength === buffer.byteLength;
  const own = whole ? vectors : vectors.slice();
  return { vectors: own, transfer: [own.buffer as ArrayBuffer] };
}

function workerEntry(): { file: string; execArgv?: string[] } {
  // Under ts-jest / ts-node this module is TypeScript, and so is the worker: load it with ts-node.
  if (__filename.endsWith('.ts')) {
    return {
      file: path.join(__dirname, 'shard-build.worker.ts'),
      execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
    };
  }
  return { file: path.join(__dirname, 'shard-build.worker.js') };
}

/** Runs buildShard in a worker thread; resolves when the index is on disk in job.outDir. */
export function buildShardInWorker(
  job: ShardBuildJob,
  onProgress?: (p: BuildProgress) => void,
  options: BuildInWorkerOptions = {},
): Promise<BuildResult> {
  const { signal } = options;
  let worker: Worker;
  let cancel: Int32Array;
  try {
    if (signal?.aborted) throw abortReason(signal);
    checkJob(job);
    const entry = workerEntry();
    if (!fs.existsSync(entry.file)) throw new Error(`shard build worker not found at ${entry.file}`);
    const { vectors, transfer } = forTransfer(job.rows.vectors);
    cancel = new Int32Array(new SharedArrayBuffer(4));
    const workerData: ShardBuildJob = { ...job, rows: { ids: job.rows.ids, vectors }, cancel };
    worker = new Worker(entry.file, { workerData, transferList: transfer, execArgv: entry.execArgv });
  } catch (err) {
    return Promise.reject(err);
  }

  return new Promise<BuildResult>((resolve, reject) => {
    let settled = false;
    let aborted: unknown = null;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      aborted = abortReason(signal!);
      // The worker stops at its next row and exits; 'exit' then rejects with `aborted`.
      Atomics.store(cancel, 0, 1);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (m: WorkerMessage) => {
      if (settled || aborted !== null) return;
      if (m.type === 'progress') onProgress?.({ indexed: m.indexed, total: m.total });
      else if (m.type === 'done') settle(() => resolve(m.result));
      else if (m.type === 'error') settle(() => reject(workerError(m)));
    });
    // An uncaught exception in the worker (e.g. it could not load its modules); 'exit' follows.
    worker.on('error', (err) => settle(() => reject(aborted ?? err)));
    worker.on('exit', (code) =>
      settle(() => reject(aborted ?? new Error(`shard build worker exited with code ${code} before finishing`))),
    );
  });
}

function workerError(m: { message: string; name?: string; code?: string }): Error {
  const err = new Error(m.message) as Error & { code?: string };
  if (m.name) err.name = m.name;
  if (m.code !== undefined) err.code = m.code;
  return err;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('shard build aborted');
}

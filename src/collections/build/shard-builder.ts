// Builds one shard's HNSW index from a session's rows, off the event loop: a worker
// thread does the hnswlib inserts (CPU-bound, synchronous in hnswlib-node) and
// writes the index to disk; the caller loads it and swaps it in. The vectors
// travel as one Float32Array whose buffer is transferred, not copied.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HnswParams, Metric, ShardIndex } from '../shard-index';

export interface BuildRows {
  ids: string[];
  /** ids.length × dimension, row-major. */
  vectors: Float32Array;
}

export interface ShardBuildJob {
  dimension: number;
  metric: Metric;
  hnsw: HnswParams;
  rows: BuildRows;
  /** Rows are added on top of the index saved here; null builds from scratch. */
  baseDir: string | null;
  /** Size the graph to the final element count up front, so it never resizes. */
  exactCapacity: boolean;
  /** Where the built index is written (ShardIndex.saveTo); the caller creates it. */
  outDir: string;
}

export interface BuildProgress {
  indexed: number;
  total: number;
}

export interface BuildResult {
  indexed: number;
  elapsedMs: number;
}

/** Progress is reported at most this often (rows), so messages stay cheap. */
const PROGRESS_EVERY_ROWS = 2_000;
/** The smallest graph capacity: hnswlib cannot grow an index of capacity 0. */
const CAPACITY_MIN = 16;

/** The build itself, in the calling thread: the worker runs this, benches use it as the baseline. */
export function buildShard(job: ShardBuildJob, onProgress?: (p: BuildProgress) => void): BuildResult {
  const started = Date.now();
  const total = job.rows.ids.length;
  if (job.rows.vectors.length !== total * job.dimension) {
    throw new Error(`build job: ${total} ids need ${total * job.dimension} floats, got ${job.rows.vectors.length}`);
  }
  const index = job.baseDir
    ? ShardIndex.loadFrom(job.baseDir)
    : ShardIndex.create({
        dimension: job.dimension,
        metric: job.metric,
        hnsw: job.hnsw,
        initialCapacity: job.exactCapacity ? Math.max(total, CAPACITY_MIN) : undefined,
      });
  for (let i = 0; i < total; i++) {
    index.upsert(job.rows.ids[i], job.rows.vectors.subarray(i * job.dimension, (i + 1) * job.dimension));
    if (onProgress && (i + 1) % PROGRESS_EVERY_ROWS === 0) onProgress({ indexed: i + 1, total });
  }
  index.saveTo(job.outDir);
  onProgress?.({ indexed: total, total });
  return { indexed: total, elapsedMs: Date.now() - started };
}

type WorkerMessage =
  | { type: 'progress'; indexed: number; total: number }
  | { type: 'done'; result: BuildResult }
  | { type: 'error'; message: string };

/** Runs buildShard in a worker thread; resolves when the index is on disk in job.outDir. */
export function buildShardInWorker(job: ShardBuildJob, onProgress?: (p: BuildProgress) => void): Promise<BuildResult> {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, ts ? 'shard-build.worker.ts' : 'shard-build.worker.js');
  if (!fs.existsSync(file)) return Promise.reject(new Error(`build worker not found at ${file}`));
  // Under ts-jest / ts-node the worker is TypeScript and needs the same loader.
  const worker = new Worker(file, {
    workerData: job,
    transferList: [job.rows.vectors.buffer as ArrayBuffer],
    execArgv: ts ? ['-r', 'ts-node/register/transpile-only'] : [],
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress?.({ indexed: m.indexed, total: m.total });
      else if (m.type === 'done') {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        reject(new Error(`shard build failed: ${m.message}`));
      }
    });
    worker.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(new Error(`shard build worker exited with code ${code}`));
    });
  });
}

// How much a parallel (worker-thread) shard build gains over one single-thread build
// of the same rows, and what splitting into shards costs in recall.
//   (a) buildShard of all n rows in the calling thread
//   (b) runBuilds of `shards` jobs of n/shards rows each, `shards` workers at once
// Recall@10 of (b) merges each shard's top-10 and keeps the best 10, against brute force
// over all n rows; the recall of (a) is reported alongside for reference.
// Both timings include writing the index to disk (saveTo); (b) also includes starting
// the workers (under ts-node that includes transpiling the worker's modules).
//
// Run: node -r ts-node/register/transpile-only bench/build-measure.ts [n] [dimension] [shards]
// or, compiled: node dist/bench/build-measure.js

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runBuilds } from '../src/collections/build/build-pool';
import { ShardBuildJob, buildShard } from '../src/collections/build/shard-builder';
import { HnswParams, Metric, ShardHit, ShardIndex } from '../src/collections/shard-index';
import { randomMatrix } from '../test/support/vectors';

export interface BuildSpeedupOptions {
  n: number;
  dimension: number;
  M: number;
  efConstruction: number;
  shards: number;
  /** ef for the recall queries (default 128). */
  efSearch?: number;
  /** Further ef values whose recall is reported in `recallCurve` (default 64, 256, 512). */
  curveEfSearch?: number[];
  /** Recall queries (default 100). */
  queries?: number;
  /** Default 'l2'. */
  metric?: Metric;
  /** Seeds both the data and hnswlib (default 1). */
  seed?: number;
  /** Workers at once for (b) (default: shards). */
  concurrency?: number;
  /**
   * Also time (c): the same shard jobs one after the other in this thread (default true).
   * a/b mixes two effects, since building k graphs of n/k points is less work than one of
   * n points; a/c is the gain from sharding alone, c/b the gain from the workers alone.
   */
  sequentialShards?: boolean;
  log?: (line: string) => void;
}

export interface BuildSpeedupResult {
  n: number;
  dimension: number;
  M: number;
  efConstruction: number;
  efSearch: number;
  shards: number;
  concurrency: number;
  cores: number;
  /** (a) one buildShard of all rows in the calling thread. */
  singleThreadMs: number;
  /** (b) runBuilds of all shards, wall clock. */
  parallelMs: number;
  /** (c) the shard jobs one after the other in this thread (null when not measured). */
  shardsSequentialMs: number | null;
  /** c / b: what the workers gain on the same work (≤ concurrency). */
  parallelEfficiencyGain: number | null;
  /**
   * CPU time of this process (all threads) / wall time, per phase: ~1 for (a) and ~shards
   * for (b) on an otherwise idle machine; less means the cores were shared with other work
   * and the timings are pessimistic.
   */
  cpuPerWall: { single: number; parallel: number; shardsSequential: number | null };
  /** Each worker's own build time (excludes worker start-up). */
  workerBuildMs: number[];
  /** a / b. */
  speedup: number;
  recallAt10Sharded: number;
  recallAt10Single: number;
  /** Recall@10 at other efSearch values (random high-dimensional data needs a large ef). */
  recallCurve: { efSearch: number; sharded: number; single: number }[];
}

/** Higher is better, as ShardIndex scores: -squared L2, inner product, or cosine. */
function score(metric: Metric, data: Float32Array, o: number, q: Float32Array, qNorm: number): number {
  let dot = 0;
  let l2 = 0;
  let norm = 0;
  for (let j = 0; j < q.length; j++) {
    const x = data[o + j];
    if (metric === 'l2') {
      const d = x - q[j];
      l2 += d * d;
    } else {
      dot += x * q[j];
      norm += x * x;
    }
  }
  if (metric === 'l2') return -l2;
  if (metric === 'ip') return dot;
  return dot / Math.sqrt(norm * qNorm);
}

function bruteForceTop(metric: Metric, data: Float32Array, dim: number, q: Float32Array, k: number): Set<number> {
  const n = data.length / dim;
  let qNorm = 0;
  for (const x of q) qNorm += x * x;
  const top: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    const s = score(metric, data, i * dim, q, qNorm);
    if (top.length < k || s > top[top.length - 1].s) {
      top.push({ i, s });
      top.sort((a, b) => b.s - a.s);
      if (top.length > k) top.pop();
    }
  }
  return new Set(top.map((t) => t.i));
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;
const round2 = (x: number): number => Math.round(x * 100) / 100;

export async function measureBuildSpeedup(opts: BuildSpeedupOptions): Promise<BuildSpeedupResult> {
  const { n, dimension, M, efConstruction, shards } = opts;
  const efSearch = opts.efSearch ?? 128;
  const queryCount = opts.queries ?? 100;
  const metric = opts.metric ?? 'l2';
  const seed = opts.seed ?? 1;
  const concurrency = opts.concurrency ?? shards;
  const efs = [...new Set([efSearch, ...(opts.curveEfSearch ?? [64, 256, 512])])].sort((a, b) => a - b);
  const log = opts.log ?? (() => undefined);
  if (!Number.isInteger(shards) || shards < 1 || shards > n) throw new Error(`shards must be an integer in [1, n], got ${shards}`);
  const hnsw: HnswParams = { M, efConstruction, efSearch, randomSeed: seed };
  const ids = Array.from({ length: n }, (_, i) => String(i));
  const data = randomMatrix(n, dimension, seed);
  const queries = randomMatrix(queryCount, dimension, seed + 1);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'build-measure-'));
  const dir = (name: string): string => {
    const d = path.join(work, name);
    fs.mkdirSync(d);
    return d;
  };

  try {
    // (a) the single-thread baseline
    log(`(a) buildShard: ${n} × ${dimension}-d in this thread, M=${M} efConstruction=${efConstruction}...`);
    const singleJob: ShardBuildJob = { dimension, metric, hnsw, rows: { ids, vectors: data }, baseDir: null, exactCapacity: true, outDir: dir('single') };
    let t = performance.now();
    let cpu = process.cpuUsage();
    buildShard(singleJob);
    const singleThreadMs = performance.now() - t;
    const singleCpuMs = cpuMs(process.cpuUsage(cpu));
    log(`    ${(singleThreadMs / 1000).toFixed(1)} s`);

    // (b) `shards` jobs in workers; each job gets its own copy (the workers take the buffers)
    const bounds = Array.from({ length: shards + 1 }, (_, s) => Math.round((s * n) / shards));
    const jobs: ShardBuildJob[] = Array.from({ length: shards }, (_, s) => ({
      dimension,
      metric,
      hnsw,
      rows: { ids: ids.slice(bounds[s], bounds[s + 1]), vectors: data.slice(bounds[s] * dimension, bounds[s + 1] * dimension) },
      baseDir: null,
      exactCapacity: true,
      outDir: dir(`shard-${s}`),
    }));
    log(`(b) runBuilds: ${shards} jobs of ~${Math.round(n / shards)} rows, ${concurrency} workers at once...`);
    t = performance.now();
    cpu = process.cpuUsage();
    const results = await runBuilds(jobs, concurrency);
    const parallelMs = performance.now() - t;
    const parallelCpuMs = cpuMs(process.cpuUsage(cpu));
    log(`    ${(parallelMs / 1000).toFixed(1)} s (workers: ${results.map((r) => (r.elapsedMs / 1000).toFixed(1)).join(', ')} s)`);

    // (c) the same shard jobs in this thread, one after the other
    let shardsSequentialMs: number | null = null;
    let shardsSequentialCpuMs = 0;
    if (opts.sequentialShards ?? true) {
      log(`(c) buildShard of the ${shards} shard jobs one after the other in this thread...`);
      t = performance.now();
      cpu = process.cpuUsage();
      for (let s = 0; s < shards; s++) {
        buildShard({
          ...jobs[s],
          rows: { ids: jobs[s].rows.ids, vectors: data.subarray(bounds[s] * dimension, bounds[s + 1] * dimension) },
          outDir: dir(`sequential-${s}`),
        });
      }
      shardsSequentialMs = performance.now() - t;
      shardsSequentialCpuMs = cpuMs(process.cpuUsage(cpu));
      log(`    ${(shardsSequentialMs / 1000).toFixed(1)} s`);
    }

    // recall@10 vs brute force
    const k = 10;
    const single = ShardIndex.loadFrom(singleJob.outDir);
    const shardIndexes = jobs.map((j) => ShardIndex.loadFrom(j.outDir));
    const found = efs.map(() => ({ sharded: 0, single: 0 }));
    for (let q = 0; q < queryCount; q++) {
      const query = queries.subarray(q * dimension, (q + 1) * dimension);
      const truth = bruteForceTop(metric, data, dimension, query, k);
      efs.forEach((ef, e) => {
        const merged: ShardHit[] = shardIndexes.flatMap((ix) => ix.search(query, k, ef));
        merged.sort((a, b) => b.score - a.score);
        for (const hit of merged.slice(0, k)) if (truth.has(Number(hit.id))) found[e].sharded++;
        for (const hit of single.search(query, k, ef)) if (truth.has(Number(hit.id))) found[e].single++;
      });
    }
    const recallCurve = efs.map((ef, e) => ({
      efSearch: ef,
      sharded: found[e].sharded / (queryCount * k),
      single: found[e].single / (queryCount * k),
    }));
    const atEf = recallCurve.find((r) => r.efSearch === efSearch)!;

    const result: BuildSpeedupResult = {
      n,
      dimension,
      M,
      efConstruction,
      efSearch,
      shards,
      concurrency,
      cores: os.availableParallelism(),
      singleThreadMs: Math.round(singleThreadMs),
      parallelMs: Math.round(parallelMs),
      shardsSequentialMs: shardsSequentialMs === null ? null : Math.round(shardsSequentialMs),
      parallelEfficiencyGain: shardsSequentialMs === null ? null : shardsSequentialMs / parallelMs,
      cpuPerWall: {
        single: round2(singleCpuMs / singleThreadMs),
        parallel: round2(parallelCpuMs / parallelMs),
        shardsSequential: shardsSequentialMs === null ? null : round2(shardsSequentialCpuMs / shardsSequentialMs),
      },
      workerBuildMs: results.map((r) => Math.round(r.elapsedMs)),
      speedup: singleThreadMs / parallelMs,
      recallAt10Sharded: atEf.sharded,
      recallAt10Single: atEf.single,
      recallCurve,
    };
    log(`CPU/wall: (a) ${result.cpuPerWall.single}, (b) ${result.cpuPerWall.parallel}, (c) ${result.cpuPerWall.shardsSequential ?? '-'}`);
    if (shardsSequentialMs !== null) {
      log(`a/c (sharding alone) = ${(singleThreadMs / shardsSequentialMs).toFixed(2)}×, c/b (workers alone) = ${result.parallelEfficiencyGain!.toFixed(2)}×`);
    }
    log(
      `speedup a/b = ${result.speedup.toFixed(2)}× on ${result.cores} cores; recall@10 (efSearch=${efSearch}, ${queryCount} queries): ` +
        `${shards} shards merged ${result.recallAt10Sharded.toFixed(3)}, single index ${result.recallAt10Single.toFixed(3)}`,
    );
    for (const r of recallCurve) log(`    efSearch=${r.efSearch}: ${shards} shards ${r.sharded.toFixed(3)}, single ${r.single.toFixed(3)}`);
    return result;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [n = 100_000, dimension = 128, shards = 2] = process.argv.slice(2).map(Number);
  measureBuildSpeedup({ n, dimension, M: 16, efConstruction: 200, shards, log: (line) => console.log(line) })
    .then((r) => console.log(JSON.stringify(r)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}

import * as fs from 'fs';
import * as path from 'path';
import { BuildPool, runBuilds, PoolProgress } from '../../src/collections/build/build-pool';
import { BoundedQueue, QueueFullError } from '../../src/common/bounded-queue';
import {
  BuildProgress,
  ShardBuildJob,
  buildShard,
  buildShardInWorker,
  progressStep,
} from '../../src/collections/build/shard-builder';
import { GRAPH_FILE, HnswParams, SIDECAR_FILE, ShardIndex } from '../../src/collections/shard-index';
import { removeTempDirs, tempDir as tempDirFor } from '../support/temp-dir';
import { exactTopK, matrixRow as row, matrixRows, randomMatrix } from '../support/vectors';

const tempDir = () => tempDirFor('shard-builder');
afterAll(removeTempDirs);

// Exact matches under l2 score -0: ShardIndex negates the squared distance.
const idsOf = (n: number, prefix = 'id-', from = 0): string[] => Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);

const N = 5_000;
const DIM = 32;
const HNSW: HnswParams = { M: 16, efConstruction: 200, efSearch: 64, randomSeed: 42 };
const DATA = randomMatrix(N, DIM, 1);
const IDS = idsOf(N);
const QUERIES = randomMatrix(200, DIM, 2);

function job(overrides: Partial<ShardBuildJob> = {}): ShardBuildJob {
  return {
    dimension: DIM,
    metric: 'l2',
    hnsw: HNSW,
    // A copy: the worker takes (detaches) the buffer it is given.
    rows: { ids: IDS, vectors: DATA.slice() },
    baseDir: null,
    exactCapacity: false,
    outDir: tempDir(),
    ...overrides,
  };
}

describe('buildShardInWorker', () => {
  let built: ShardBuildJob;
  let progress: BuildProgress[];
  let result: { indexed: number; elapsedMs: number };
  let index: ShardIndex;

  beforeAll(async () => {
    built = job();
    progress = [];
    result = await buildShardInWorker(built, (p) => progress.push(p));
    index = ShardIndex.loadFrom(built.outDir);
  });

  it('writes a loadable index in which every vector is its own nearest neighbour', () => {
    expect(result.indexed).toBe(N);
    expect(result.elapsedMs).toBeGreaterThan(0);
    expect(index.size).toBe(N);
    expect(index.dimension).toBe(DIM);
    expect(index.hnsw).toEqual(HNSW);
    const misses: string[] = [];
    for (let i = 0; i < N; i++) {
      const [top] = index.search(row(DATA, i, DIM), 1);
      if (top.id !== IDS[i] || top.score !== 0) misses.push(IDS[i]);
    }
    expect(misses).toEqual([]);
  });

  it('has recall@10 >= 0.95 against brute force', () => {
    const k = 10;
    const queries = QUERIES.length / DIM;
    const rows = matrixRows(DATA, DIM);
    let found = 0;
    for (let q = 0; q < queries; q++) {
      const query = row(QUERIES, q, DIM);
      const truth = new Set(exactTopK(rows, query, k, 'l2').map((i) => IDS[i]));
      for (const hit of index.search(query, k)) if (truth.has(hit.id)) found++;
    }
    expect(found / (queries * k)).toBeGreaterThanOrEqual(0.95);
  });

  it('transfers the vectors to the worker instead of copying them', () => {
    expect(built.rows.vectors.length).toBe(0); // detached in this thread
    expect(built.rows.vectors.buffer.byteLength).toBe(0);
  });

  it('copies a Float32Array that is only a view, leaving the rest of its buffer usable', async () => {
    const big = DATA.slice();
    const first = big.subarray(0, 100 * DIM);
    const j = job({ rows: { ids: IDS.slice(0, 100), vectors: first } });
    await expect(buildShardInWorker(j)).resolves.toMatchObject({ indexed: 100 });
    expect(big.length).toBe(N * DIM);
    expect(first.length).toBe(100 * DIM);
    expect(Array.from(big.subarray(0, 5))).toEqual(Array.from(DATA.subarray(0, 5)));
    expect(ShardIndex.loadFrom(j.outDir).size).toBe(100);
  });

  it('reports progress every 1% (at most 2,000 rows apart), ending at total', () => {
    expect(progressStep(N)).toBe(50);
    expect(progressStep(1_000_000)).toBe(2_000);
    expect(progressStep(7)).toBe(1);
    expect(progress.length).toBe(100);
    expect(progress.every((p) => p.total === N)).toBe(true);
    for (let i = 1; i < progress.length; i++) expect(progress[i].indexed).toBeGreaterThan(progress[i - 1].indexed);
    expect(progress[progress.length - 1]).toEqual({ indexed: N, total: N });
  });

  it('gives byte-identical files and identical search results for the same seed and rows', async () => {
    const again = job();
    await buildShardInWorker(again);
    const inThread = job();
    buildShard(inThread); // the single-thread baseline builds the very same graph
    for (const other of [again.outDir, inThread.outDir]) {
      expect(fs.readFileSync(path.join(other, GRAPH_FILE)).equals(fs.readFileSync(path.join(built.outDir, GRAPH_FILE)))).toBe(true);
      expect(fs.readFileSync(path.join(other, SIDECAR_FILE), 'utf8')).toBe(fs.readFileSync(path.join(built.outDir, SIDECAR_FILE), 'utf8'));
    }
    const twin = ShardIndex.loadFrom(again.outDir);
    for (let q = 0; q < 50; q++) {
      const query = row(QUERIES, q, DIM);
      expect(twin.search(query, 10)).toEqual(index.search(query, 10));
    }
  });
});

describe('build semantics', () => {
  it('applies later rows for the same id over earlier ones, sizing an exact-capacity index to the distinct ids', async () => {
    const n = 300;
    const data = randomMatrix(n, DIM, 3);
    const replacement = randomMatrix(50, DIM, 4);
    const ids = [...idsOf(n), ...idsOf(50)]; // id-0..id-49 appear twice
    const vectors = new Float32Array((n + 50) * DIM);
    vectors.set(data);
    vectors.set(replacement, n * DIM);
    const j = job({ rows: { ids, vectors }, exactCapacity: true });
    await expect(buildShardInWorker(j)).resolves.toMatchObject({ indexed: n + 50 });
    const index = ShardIndex.loadFrom(j.outDir);
    expect(index.size).toBe(n);
    expect(index.capacity).toBe(n);
    for (let i = 0; i < 50; i++) {
      expect(index.search(row(replacement, i, DIM), 1)[0]).toMatchObject({ id: `id-${i}`, score: -0 });
      expect(index.search(row(data, i, DIM), 1)[0].score).toBeLessThan(0); // the old vector is gone
    }
    for (let i = 50; i < n; i++) expect(index.search(row(data, i, DIM), 1)[0]).toMatchObject({ id: `id-${i}`, score: -0 });
  });

  it('without exactCapacity, grows the index as needed', () => {
    const j = job({ rows: { ids: IDS.slice(0, 1500), vectors: DATA.slice(0, 1500 * DIM) } });
    buildShard(j);
    const index = ShardIndex.loadFrom(j.outDir);
    expect(index.size).toBe(1500);
    expect(index.capacity).toBe(2048);
  });

  it('baseDir mode adds rows on top of an existing saved index, leaving the base untouched', async () => {
    const baseN = 3000;
    const base = ShardIndex.create({ dimension: DIM, metric: 'l2', hnsw: HNSW });
    for (let i = 0; i < baseN; i++) base.upsert(IDS[i], row(DATA, i, DIM), { base: true });
    base.delete('id-5'); // a tombstone keeps its label: re-upserting it needs no new capacity
    const baseDir = tempDir();
    base.saveTo(baseDir);
    const baseFiles = [GRAPH_FILE, SIDECAR_FILE].map((f) => fs.readFileSync(path.join(baseDir, f)));

    // New rows id-3000..id-4999, new vectors for id-0..id-99 (incl. the deleted id-5).
    const changed = randomMatrix(100, DIM, 5);
    const ids = [...IDS.slice(baseN), ...IDS.slice(0, 100)];
    const vectors = new Float32Array(ids.length * DIM);
    vectors.set(DATA.subarray(baseN * DIM));
    vectors.set(changed, (N - baseN) * DIM);
    const j = job({ rows: { ids, vectors }, baseDir, exactCapacity: true });
    const progress: BuildProgress[] = [];
    await expect(buildShardInWorker(j, (p) => progress.push(p))).resolves.toMatchObject({ indexed: ids.length });
    expect(progress[progress.length - 1]).toEqual({ indexed: ids.length, total: ids.length });

    const index = ShardIndex.loadFrom(j.outDir);
    expect(index.size).toBe(N);
    expect(index.deletedCount).toBe(0);
    expect(index.capacity).toBe(N); // exact: 3000 base labels + 2000 new ids
    for (let i = 0; i < 100; i++) expect(index.search(row(changed, i, DIM), 1)[0]).toMatchObject({ id: IDS[i], score: -0 });
    for (let i = 100; i < N; i += 7) expect(index.search(row(DATA, i, DIM), 1)[0]).toMatchObject({ id: IDS[i], score: -0 });
    // Base rows that were not re-upserted keep their metadata; upserted rows bring none.
    expect(index.search(row(DATA, 200, DIM), 1)[0].metadata).toEqual({ base: true });
    expect(index.search(row(changed, 0, DIM), 1)[0].metadata).toBeNull();

    [GRAPH_FILE, SIDECAR_FILE].forEach((f, i) => expect(fs.readFileSync(path.join(baseDir, f)).equals(baseFiles[i])).toBe(true));
  });
});

describe('build failures', () => {
  it('rejects a job whose vectors do not match its dimension, with a clear message', async () => {
    const j = job({ rows: { ids: IDS, vectors: new Float32Array(N * 16) } });
    await expect(buildShardInWorker(j)).rejects.toThrow(
      'build job: dimension mismatch: 5000 ids × dimension 32 need 160000 floats, rows.vectors holds 80000',
    );
    expect(() => buildShard(j)).toThrow(/dimension mismatch/);
  });

  it('rejects with the message of an error thrown inside the worker', async () => {
    const base = ShardIndex.create({ dimension: 16, metric: 'l2', hnsw: HNSW });
    base.upsert('a', new Float32Array(16).fill(1));
    const baseDir = tempDir();
    base.saveTo(baseDir);
    await expect(buildShardInWorker(job({ baseDir }))).rejects.toThrow(
      `build job: dimension mismatch: the job has dimension 32, the base index in ${baseDir} has 16`,
    );

    await expect(buildShardInWorker(job({ hnsw: { ...HNSW, M: 1 } }))).rejects.toThrow(/hnsw\.M: must be an integer/);
  });

  it('builds every other row when the index refuses one, and reports the refused row', async () => {
    const bad = DATA.slice(0, 10 * DIM);
    bad[3 * DIM + 7] = NaN;
    const outDir = tempDir();
    const result = await buildShardInWorker(job({ rows: { ids: IDS.slice(0, 10), vectors: bad }, outDir }));
    expect(result).toMatchObject({ indexed: 9, rejected: [{ row: 3, code: 'INVALID_VECTOR', message: 'vector[7] is not a finite float32 number' }] });
    const built = ShardIndex.loadFrom(outDir);
    expect(built.size).toBe(9);
    expect(built.has(IDS[3])).toBe(false);
    expect(built.has(IDS[4])).toBe(true);
  });

  it('rejects a job whose vectors were already handed to a worker', async () => {
    const j = job({ rows: { ids: IDS.slice(0, 10), vectors: DATA.slice(0, 10 * DIM) } });
    await buildShardInWorker(j);
    await expect(buildShardInWorker(j)).rejects.toThrow(/rows\.vectors is detached/);
  });

  it('rejects when the worker dies without reporting (exit code != 0)', async () => {
    const { EventEmitter } = await import('events');
    class CrashingWorker extends EventEmitter {
      constructor() {
        super();
        setImmediate(() => {
          this.emit('message', { type: 'progress', indexed: 1, total: 10 });
          this.emit('exit', 134);
        });
      }
      terminate(): Promise<number> {
        return Promise.resolve(1);
      }
    }
    let isolated!: typeof import('../../src/collections/build/shard-builder');
    jest.isolateModules(() => {
      jest.doMock('node:worker_threads', () => ({ ...jest.requireActual('node:worker_threads'), Worker: CrashingWorker }));
      isolated = require('../../src/collections/build/shard-builder');
    });
    jest.dontMock('node:worker_threads');
    const progress: BuildProgress[] = [];
    await expect(isolated.buildShardInWorker(job(), (p) => progress.push(p))).rejects.toThrow(
      'shard build worker exited with code 134 before finishing',
    );
    expect(progress).toEqual([{ indexed: 1, total: 10 }]);
  });

  it('stops the worker at its next row (never terminating it mid-addPoint) and rejects when aborted', async () => {
    const abort = new AbortController();
    const reason = new Error('stop');
    let reports = 0;
    const aborting = job();
    const lastOutDir = aborting.outDir;
    const building = buildShardInWorker(
      aborting,
      () => {
        if (++reports === 2) abort.abort(reason);
      },
      { signal: abort.signal },
    );
    await expect(building).rejects.toBe(reason);
    expect(reports).toBeLessThan(100);
    // It stopped before writing anything.
    expect(fs.readdirSync(lastOutDir)).toEqual([]);
    await expect(buildShardInWorker(job(), undefined, { signal: abort.signal })).rejects.toBe(reason);
  });
});

describe('runBuilds', () => {
  const twoJobs = (): ShardBuildJob[] => [
    job({ rows: { ids: IDS.slice(0, 2500), vectors: DATA.slice(0, 2500 * DIM) } }),
    job({ rows: { ids: IDS.slice(2500), vectors: DATA.slice(2500 * DIM) }, hnsw: { ...HNSW, randomSeed: 7 } }),
  ];

  it('runs jobs in parallel workers and returns the results in job order', async () => {
    const jobs = twoJobs();
    const progress: PoolProgress[] = [];
    const results = await runBuilds(jobs, 2, (p) => progress.push(p));
    expect(results.map((r) => r.indexed)).toEqual([2500, 2500]);
    const [a, b] = jobs.map((j) => ShardIndex.loadFrom(j.outDir));
    expect(a.size).toBe(2500);
    expect(b.size).toBe(2500);
    expect(a.search(row(DATA, 10, DIM), 1)[0]).toMatchObject({ id: 'id-10', score: -0 });
    expect(b.search(row(DATA, 4000, DIM), 1)[0]).toMatchObject({ id: 'id-4000', score: -0 });
    expect(b.hnsw.randomSeed).toBe(7);
    expect(new Set(progress.map((p) => p.job))).toEqual(new Set([0, 1]));
    expect(progress[progress.length - 1].overall).toEqual({ indexed: 5000, total: 5000 });
  });

  it('never runs more than `concurrency` jobs at once', async () => {
    const jobs = twoJobs();
    const order: number[] = [];
    await runBuilds(jobs, 1, (p) => order.push(p.job));
    expect(order.indexOf(1)).toBeGreaterThan(order.lastIndexOf(0));
    await expect(runBuilds([], 3)).resolves.toEqual([]);
    await expect(runBuilds(jobs, 0)).rejects.toThrow(/concurrency must be a positive integer/);
  });

  it('rejects with the first failure and starts no further job', async () => {
    const jobs = [job({ rows: { ids: IDS.slice(0, 10), vectors: new Float32Array(5) } }), ...twoJobs()];
    const queued = jobs[2].rows.vectors;
    await expect(runBuilds(jobs, 1)).rejects.toThrow(/dimension mismatch/);
    expect(queued.length).toBe(2500 * DIM); // never handed to a worker
    expect(fs.readdirSync(jobs[2].outDir)).toEqual([]);
  });
});

describe('BuildPool', () => {
  it('runs at most workersMax at once, hands a freed slot to the longest waiter, and refuses past waitingMax', async () => {
    const pool = new BuildPool('test_builds_waiting', 2, 2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const release: (() => void)[] = [];
    const work = (i: number) =>
      pool.run(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await new Promise<void>((r) => release.push(r));
        running--;
        return i;
      });
    const done = [0, 1, 2, 3].map(work);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(BoundedQueue.depth('test_builds_waiting')).toEqual({ depth: 2, limit: 2 });
    await expect(work(4)).rejects.toBeInstanceOf(QueueFullError);

    release.shift()?.();
    await done[0];
    // A later caller waits behind the ones already queued.
    const late = work(5);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    while (started.length < 5 || release.length > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all([...done, late])).toEqual([0, 1, 2, 3, 5]);
    expect(started).toEqual([0, 1, 2, 3, 5]);
    expect(most).toBe(2);
    pool.dispose();
  });

  it('needs a positive whole number of workers', () => {
    expect(() => new BuildPool('test_builds_waiting_zero', 0, 1)).toThrow(/concurrency must be a positive integer/);
  });
});

import * as fs from 'fs';
import * as path from 'path';
import { cleanupStaleTemps, writeDirAtomically } from '../../src/collections/atomic-dir';
import {
  checkVector,
  DimensionMismatchError,
  GRAPH_FILE,
  HnswParams,
  InvalidIndexArgumentError,
  InvalidVectorError,
  Metric,
  SIDECAR_FILE,
  ShardIndex,
  ShardLoadError,
} from '../../src/collections/shard-index';
import { removeTempDirs, tempDir as tempDirFor } from '../support/temp-dir';
import { cosine, dot, exactTopK, randomFloat32Vectors as randomVectors, squaredL2 as l2sq } from '../support/vectors';

const tempDir = () => tempDirFor('shard-index');
afterAll(removeTempDirs);

const HNSW: HnswParams = { M: 16, efConstruction: 200, efSearch: 64 };

function build(metric: Metric, vectors: Float32Array[], hnsw: HnswParams = HNSW, initialCapacity?: number): ShardIndex {
  const index = ShardIndex.create({ dimension: vectors[0].length, metric, hnsw, initialCapacity });
  vectors.forEach((v, i) => index.upsert(`id-${i}`, v, { n: i }));
  return index;
}

describe('ShardIndex', () => {
  const vectors = randomVectors(2_000, 32, 1);

  describe.each<Metric>(['cosine', 'l2'])('%s: 2,000 random 32-d vectors', (metric) => {
    let index: ShardIndex;
    beforeAll(() => {
      index = build(metric, vectors, HNSW, 256); // also grows 256 -> 2048
    });

    it('finds every vector as its own top-1', () => {
      expect(index.size).toBe(2_000);
      expect(index.capacity).toBe(2_048);
      let misses = 0;
      vectors.forEach((v, i) => {
        const [top] = index.search(v, 1);
        if (top.id !== `id-${i}`) misses++;
      });
      expect(misses).toBe(0);
    });

    it('returns higher-is-better scores matching the metric, best first, with metadata', () => {
      const q = randomVectors(1, 32, 99)[0];
      const hits = index.search(q, 10);
      expect(hits).toHaveLength(10);
      for (let i = 1; i < hits.length; i++) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hits[i].score);
      for (const h of hits) {
        const n = Number(h.id.slice(3));
        expect(h.metadata).toEqual({ n });
        const expected = metric === 'cosine' ? cosine(q, vectors[n]) : -l2sq(q, vectors[n]);
        expect(h.score).toBeCloseTo(expected, 4);
      }
      // own vector under cosine scores ~1 (similarity of a vector with itself)
      if (metric === 'cosine') expect(index.search(vectors[5], 1)[0].score).toBeCloseTo(1, 5);
      else expect(index.search(vectors[5], 1)[0].score).toBeCloseTo(0, 6);
    });
  });

  it('ip scores are the inner product', () => {
    const vs = randomVectors(200, 16, 3);
    const index = build('ip', vs);
    const q = randomVectors(1, 16, 4)[0];
    for (const h of index.search(q, 5)) expect(h.score).toBeCloseTo(dot(q, vs[Number(h.id.slice(3))]), 4);
  });

  it('delete removes from results, has() is false, and re-upsert after delete brings it back with the new vector', () => {
    const index = build('cosine', vectors);
    const victims = Array.from({ length: 100 }, (_, i) => i * 17);
    for (const i of victims) expect(index.delete(`id-${i}`)).toBe(true);
    expect(index.size).toBe(1_900);
    expect(index.deletedCount).toBe(100);
    for (const i of victims) {
      expect(index.has(`id-${i}`)).toBe(false);
      expect(index.delete(`id-${i}`)).toBe(false); // already deleted
      expect(index.search(vectors[i], 10).map((h) => h.id)).not.toContain(`id-${i}`);
    }
    expect(index.delete('never-existed')).toBe(false);

    const fresh = randomVectors(100, 32, 7);
    victims.forEach((i, j) => index.upsert(`id-${i}`, fresh[j], { reborn: true }));
    expect(index.size).toBe(2_000);
    expect(index.deletedCount).toBe(0);
    victims.forEach((i, j) => {
      expect(index.has(`id-${i}`)).toBe(true);
      const [top] = index.search(fresh[j], 1);
      expect(top.id).toBe(`id-${i}`);
      expect(top.metadata).toEqual({ reborn: true });
    });
  });

  it('upsert of an existing id replaces the vector and metadata in place (same label, no growth)', () => {
    const index = build('l2', vectors);
    const capacityBefore = index.capacity;
    const replacements = randomVectors(50, 32, 11);
    replacements.forEach((v, j) => index.upsert(`id-${j}`, v)); // metadata omitted -> none
    expect(index.size).toBe(2_000);
    expect(index.capacity).toBe(capacityBefore);
    replacements.forEach((v, j) => {
      const [top] = index.search(v, 1);
      expect(top).toEqual({ id: `id-${j}`, score: expect.any(Number), metadata: null });
      expect(top.score).toBeCloseTo(0, 6);
      // the old vector is no longer this id's position
      expect(index.search(vectors[j], 1)[0].id).not.toBe(`id-${j}`);
    });
  });

  it('grows past initialCapacity by doubling', () => {
    const vs = randomVectors(100, 8, 5);
    const index = ShardIndex.create({ dimension: 8, metric: 'l2', hnsw: HNSW, initialCapacity: 3 });
    vs.forEach((v, i) => index.upsert(`p${i}`, v));
    expect(index.capacity).toBe(128); // 3 -> 16 (growth minimum) -> 32 -> 64 -> 128
    expect(index.size).toBe(100);
    vs.forEach((v, i) => expect(index.search(v, 1)[0].id).toBe(`p${i}`));
    expect(ShardIndex.create({ dimension: 8, metric: 'l2', hnsw: HNSW }).capacity).toBe(1_024);
  });

  it('caps k by the live size, and returns [] when empty', () => {
    const index = ShardIndex.create({ dimension: 4, metric: 'cosine', hnsw: HNSW });
    expect(index.search([1, 0, 0, 0], 10)).toEqual([]);
    index.upsert('a', [1, 0, 0, 0]);
    index.upsert('b', [0, 1, 0, 0]);
    index.upsert('c', [0, 0, 1, 0]);
    expect(index.search([1, 1, 0, 0], 10).map((h) => h.id).sort()).toEqual(['a', 'b', 'c']);
    index.delete('b');
    expect(index.search([1, 1, 0, 0], 5000).map((h) => h.id).sort()).toEqual(['a', 'c']); // k > capacity too
    index.delete('a');
    index.delete('c');
    expect(index.size).toBe(0);
    expect(index.search([1, 1, 0, 0], 3)).toEqual([]);
  });

  it('validates dimensions, values and arguments with typed errors', () => {
    const index = ShardIndex.create({ dimension: 4, metric: 'cosine', hnsw: HNSW });
    expect(() => index.upsert('x', [1, 2, 3])).toThrow(DimensionMismatchError);
    const err = (() => {
      try {
        index.search(new Float32Array(5), 1);
      } catch (e) {
        return e as DimensionMismatchError;
      }
      throw new Error('no throw');
    })();
    expect(err).toBeInstanceOf(DimensionMismatchError);
    expect(err).toMatchObject({ code: 'DIMENSION_MISMATCH', expected: 4, actual: 5 });
    expect(() => index.upsert('x', [1, NaN, 0, 0])).toThrow(InvalidVectorError);
    expect(() => index.upsert('x', [1, 1e39, 0, 0])).toThrow(InvalidVectorError); // beyond float32
    expect(() => index.upsert('x', [0, 0, 0, 0])).toThrow(InvalidVectorError); // no direction under cosine
    expect(() => index.upsert('x', [1e-30, 0, 0, 0])).toThrow(InvalidVectorError); // norm underflows float32
    expect(() => index.upsert('x', [1e30, 0, 0, 0])).toThrow(InvalidVectorError); // norm overflows float32
    expect(() => checkVector([1, 2], 3, 'l2')).toThrow(DimensionMismatchError);
    expect(checkVector(new Float32Array([1, 2, 3]), 3, 'l2')).toEqual([1, 2, 3]);
    expect(index.size).toBe(0); // failed upserts left nothing behind
    index.upsert('x', [1, 0, 0, 0]);
    expect(() => index.search([1, 0, 0, 0], 0)).toThrow(InvalidIndexArgumentError);
    expect(() => index.search([1, 0, 0, 0], 1, 0)).toThrow(InvalidIndexArgumentError);
    expect(() => ShardIndex.create({ dimension: 0, metric: 'l2', hnsw: HNSW })).toThrow(InvalidIndexArgumentError);
    expect(() => ShardIndex.create({ dimension: 4, metric: 'l2', hnsw: { ...HNSW, M: 1 } })).toThrow(InvalidIndexArgumentError);
    // a zero vector is fine under l2
    ShardIndex.create({ dimension: 4, metric: 'l2', hnsw: HNSW }).upsert('z', [0, 0, 0, 0]);
  });

  describe('save / load', () => {
    it('gives identical search results for 100 queries, and keeps deletes, metadata and params', () => {
      const index = build('cosine', vectors, { ...HNSW, efSearch: 40, randomSeed: 7 }, 512);
      for (let i = 0; i < 2_000; i += 10) index.delete(`id-${i}`);
      index.upsert('id-5', vectors[6], { replaced: true });
      const dir = tempDir();
      index.saveTo(dir);
      expect(fs.readdirSync(dir).sort()).toEqual([GRAPH_FILE, SIDECAR_FILE].sort());

      const loaded = ShardIndex.loadFrom(dir);
      expect(loaded.size).toBe(index.size);
      expect(loaded.deletedCount).toBe(200);
      expect(loaded.capacity).toBe(index.capacity);
      expect(loaded.hnsw).toEqual({ M: 16, efConstruction: 200, efSearch: 40, randomSeed: 7 });
      expect(loaded.metric).toBe('cosine');
      expect(loaded.dimension).toBe(32);
      expect(loaded.has('id-10')).toBe(false);
      expect(loaded.has('id-11')).toBe(true);

      const queries = randomVectors(100, 32, 42);
      for (const q of queries) {
        expect(loaded.search(q, 10)).toEqual(index.search(q, 10));
        expect(loaded.search(q, 10, 200)).toEqual(index.search(q, 10, 200));
      }
      expect(loaded.search(vectors[6], 2).map((h) => h.metadata)).toEqual(expect.arrayContaining([{ replaced: true }]));

      // a loaded index keeps working: reuse a deleted id, add new ones past capacity
      loaded.upsert('id-10', vectors[10]);
      expect(loaded.search(vectors[10], 1)[0].id).toBe('id-10');
      const extra = randomVectors(600, 32, 8);
      extra.forEach((v, i) => loaded.upsert(`extra-${i}`, v));
      expect(loaded.size).toBe(index.size + 601);
      extra.forEach((v, i) => expect(loaded.search(v, 1)[0].id).toBe(`extra-${i}`));
    });

    it('round-trips an empty index', () => {
      const dir = tempDir();
      ShardIndex.create({ dimension: 3, metric: 'ip', hnsw: HNSW }).saveTo(dir);
      const loaded = ShardIndex.loadFrom(dir);
      expect(loaded.size).toBe(0);
      // hnswlib alone would load an empty graph with capacity 0 (and corrupt the heap on growth)
      expect(loaded.capacity).toBe(1_024);
      expect(loaded.search([1, 2, 3], 5)).toEqual([]);
      loaded.upsert('a', [1, 2, 3]);
      expect(loaded.search([1, 2, 3], 5)[0].id).toBe('a');
    });

    it('refuses a truncated graph or a missing sidecar with ShardLoadError', () => {
      const dir = tempDir();
      build('l2', vectors.slice(0, 100)).saveTo(dir);
      const graph = path.join(dir, GRAPH_FILE);
      fs.truncateSync(graph, fs.statSync(graph).size - 100);
      expect(() => ShardIndex.loadFrom(dir)).toThrow(ShardLoadError);
      fs.rmSync(path.join(dir, SIDECAR_FILE));
      expect(() => ShardIndex.loadFrom(dir)).toThrow(ShardLoadError);
    });
  });

  it('recall@10 >= 0.95 against brute force: 5,000 x 64-d, M=16, efConstruction=200, efSearch=100', () => {
    const data = randomVectors(5_000, 64, 2024);
    const queries = randomVectors(200, 64, 2025);
    for (const metric of ['l2', 'cosine'] as Metric[]) {
      const index = build(metric, data, { M: 16, efConstruction: 200, efSearch: 100 });
      let found = 0;
      for (const q of queries) {
        const truth = exactTopK(data, q, 10, metric === 'l2' ? 'l2' : 'cosine').map((i) => `id-${i}`);
        const got = new Set(index.search(q, 10).map((h) => h.id));
        found += truth.filter((id) => got.has(id)).length;
      }
      const recall = found / (queries.length * 10);
      expect(recall).toBeGreaterThanOrEqual(0.95);
    }
  });
});

describe('checkpoint directories (writeDirAtomically + cleanupStaleTemps)', () => {
  const small = randomVectors(50, 8, 13);

  it('replaces the target atomically and leaves no temp or aside behind', () => {
    const parent = tempDir();
    const target = path.join(parent, 'shard-0');
    const first = build('l2', small.slice(0, 10));
    writeDirAtomically(target, (tmp) => first.saveTo(tmp));
    expect(ShardIndex.loadFrom(target).size).toBe(10);
    const second = build('l2', small);
    writeDirAtomically(target, (tmp) => second.saveTo(tmp));
    expect(ShardIndex.loadFrom(target).size).toBe(50);
    expect(fs.readdirSync(parent)).toEqual(['shard-0']);
  });

  it('a failing writer leaves the old checkpoint intact and cleans its temp', () => {
    const parent = tempDir();
    const target = path.join(parent, 'shard-0');
    writeDirAtomically(target, (tmp) => build('l2', small.slice(0, 10)).saveTo(tmp));
    expect(() =>
      writeDirAtomically(target, (tmp) => {
        fs.writeFileSync(path.join(tmp, 'partial'), 'x');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(fs.readdirSync(parent)).toEqual(['shard-0']);
    expect(ShardIndex.loadFrom(target).size).toBe(10);
  });

  it('cleanupStaleTemps: deletes temps, restores an aside whose target is missing, drops asides of present targets', () => {
    const parent = tempDir();
    const mk = (name: string, content: string): void => {
      fs.mkdirSync(path.join(parent, name));
      fs.writeFileSync(path.join(parent, name, 'f'), content);
    };
    // crash after step 1: new checkpoint half written
    mk('shard-0', 'old-0');
    mk('shard-0.tmp-123-4', 'half');
    // crash after step 2: target moved aside, new one complete but not in place
    mk('shard-1.old-123-5', 'old-1');
    mk('shard-1.tmp-123-5', 'new-1');
    // crash during step 5: new in place, aside partially deleted
    mk('shard-2', 'new-2');
    mk('shard-2.old-123-6', 'old-2');
    mk('unrelated', 'keep');

    const report = cleanupStaleTemps(parent);
    expect(fs.readdirSync(parent).sort()).toEqual(['shard-0', 'shard-1', 'shard-2', 'unrelated']);
    const read = (n: string): string => fs.readFileSync(path.join(parent, n, 'f'), 'utf8');
    expect([read('shard-0'), read('shard-1'), read('shard-2'), read('unrelated')]).toEqual(['old-0', 'old-1', 'new-2', 'keep']);
    expect(report.restored).toEqual([path.join(parent, 'shard-1')]);
    expect(report.removed).toHaveLength(3);
    expect(cleanupStaleTemps(path.join(parent, 'missing'))).toEqual({ removed: [], restored: [] });
  });
});

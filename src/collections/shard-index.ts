// In-memory HNSW index of ONE shard (= one partition of the collection topic), wrapping
// hnswlib-node. It adds what hnswlib lacks: string ids, metadata, growth, typed input
// validation, higher-is-better scores, and a sidecar so a checkpoint can be reloaded.
//
// Labels: hnswlib keys points by an integer label. We hand out dense labels in insertion
// order (labelToId[label] = id). A deleted id KEEPS its label and is only markDelete'd, so
// re-upserting it calls addPoint on the same label, which in hnswlib (with
// allowReplaceDeleted=false) replaces the vector in place and un-deletes it. Tombstoned
// labels still occupy capacity and graph nodes; `deletedCount` lets the owner decide when
// a rebuild (replay into a fresh index) is worth it.
//
// Facts about hnswlib-node 3.0 this relies on (checked against its addon.cc / hnswalg.h):
//  - addPoint/searchKnn accept only plain Arrays (not Float32Array), values are cast to float.
//  - addPoint on an existing label = updatePoint (+ unmarkDelete if deleted). With
//    allowReplaceDeleted=true it would THROW for deleted labels instead, so we keep it false.
//  - markDelete of an already-deleted label throws; we track deletions ourselves.
//  - searchKnn throws only if k > maxElements (capacity, not live count) and may return
//    fewer than k when deleted points dominate; we cap k at the live count anyway.
//  - 'cosine' normalises vectors on insert and query, then uses 1 - dot.
//  - ef is not persisted by writeIndex (a loaded index has ef = 10): we re-apply it.
//  - readIndexSync of a saved EMPTY index yields capacity 0, and resizeIndex(0) fails with
//    "Not enough memory" and corrupts the heap (the process later aborts). We persist the
//    capacity and restore it on load, and never grow to less than GROWTH_CAPACITY_MIN.
//  - writeIndexSync does not check stream errors (a full disk yields a short file silently);
//    we record the byte size in the sidecar and verify it on load.
//  - The async readIndex/writeIndex run on the libuv pool without locking against the JS
//    thread's addPoint: never use them here, only the Sync variants.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';

export type Metric = 'cosine' | 'l2' | 'ip';
export interface HnswParams {
  M: number;
  efConstruction: number;
  efSearch: number;
  randomSeed?: number;
}
export type Metadata = Record<string, unknown>;
export interface ShardHit {
  id: string;
  /** Higher is better: cosine similarity, inner product, or NEGATED squared L2 distance. */
  score: number;
  metadata?: Metadata | null;
}

export abstract class ShardIndexError extends Error {
  abstract readonly code: string;
}
export class DimensionMismatchError extends ShardIndexError {
  readonly code = 'DIMENSION_MISMATCH';
  constructor(readonly expected: number, readonly actual: number, what = 'vector') {
    super(`${what} has dimension ${actual}, the collection expects ${expected}`);
    this.name = 'DimensionMismatchError';
  }
}
/** NaN/Infinity/out-of-float32-range values, or a zero vector under cosine (it has no direction). */
export class InvalidVectorError extends ShardIndexError {
  readonly code = 'INVALID_VECTOR';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidVectorError';
  }
}
export class InvalidIndexArgumentError extends ShardIndexError {
  readonly code = 'INVALID_ARGUMENT';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InvalidIndexArgumentError';
  }
}
/** A checkpoint directory that cannot be loaded (missing files, size mismatch, bad sidecar). */
export class ShardLoadError extends ShardIndexError {
  readonly code = 'SHARD_CORRUPT';
  constructor(dir: string, why: string, options?: { cause?: unknown }) {
    super(`cannot load shard index from ${dir}: ${why}`, options);
    this.name = 'ShardLoadError';
  }
}

export const GRAPH_FILE = 'graph.hnsw';
export const SIDECAR_FILE = 'shard.json';
const SIDECAR_FORMAT_VERSION = 1;
const INITIAL_CAPACITY_DEFAULT = 1024;
const GROWTH_CAPACITY_MIN = 16;
/** hnswlib-node passes labels and maxElements through Uint32Value. */
const LABELS_MAX = 0xffff_ffff;

// The limits of a collection's index: one definition, used by the request schemas,
// the collection spec, finalize params, search and validateParams below, so the API
// and the index never disagree. They are Intake's choice, far below hnswlib's own
// ceilings (any dimension, M up to 10,000, any ef):
//  - 4,096 dimensions covers the embedding models in use (3,072 is the largest common
//    one) and keeps a JSON upsert of one vector under ~80 KB;
//  - M beyond 128 only adds memory (2·M links per node on layer 0) for no recall;
//  - ef (construction and search) beyond 4,096 costs linear time for recall that has
//    long saturated; top_k is bounded separately by the search route;
//  - the seed is a non-negative int32, which every client language can send exactly.
export const DIMENSION_MAX = 4_096;
export const HNSW_LIMITS = {
  M: { min: 2, max: 128 },
  ef: { min: 1, max: 4_096 },
  randomSeed: { min: 0, max: 2 ** 31 - 1 },
} as const;
/** Same default as hnswlib, so a missing seed reproduces hnswlib's own behaviour. */
const RANDOM_SEED_DEFAULT = 100;

interface Sidecar {
  formatVersion: number;
  dimension: number;
  metric: Metric;
  hnsw: Required<HnswParams>;
  graphBytes: number;
  /** hnswlib restores maxElements from the graph file except for an empty graph (0); see top. */
  capacity: number;
  labelToId: string[];
  deletedLabels: number[];
  /** [label, metadata] for labels that have metadata; sparse because most points may have none. */
  metadata: [number, Metadata][];
}

export class ShardIndex {
  private readonly labelToId: string[] = [];
  private readonly idToLabel = new Map<string, number>();
  private readonly deleted = new Set<number>();
  private readonly metadataByLabel: (Metadata | null)[] = [];

  private constructor(
    readonly dimension: number,
    readonly metric: Metric,
    readonly hnsw: Readonly<Required<HnswParams>>,
    private readonly graph: HierarchicalNSW,
  ) {}

  static create(opts: { dimension: number; metric: Metric; hnsw: HnswParams; initialCapacity?: number }): ShardIndex {
    const params = validateParams(opts.dimension, opts.metric, opts.hnsw);
    const capacity = opts.initialCapacity ?? INITIAL_CAPACITY_DEFAULT;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > LABELS_MAX) {
      throw new InvalidIndexArgumentError('initialCapacity', `must be an integer in [1, ${LABELS_MAX}], got ${capacity}`);
    }
    const graph = new HierarchicalNSW(opts.metric, opts.dimension);
    graph.initIndex(capacity, params.M, params.efConstruction, params.randomSeed, false);
    graph.setEf(params.efSearch);
    return new ShardIndex(opts.dimension, opts.metric, params, graph);
  }

  /** Live (non-deleted) points. */
  get size(): number {
    return this.labelToId.length - this.deleted.size;
  }

  /** Tombstones still occupying graph nodes and capacity. */
  get deletedCount(): number {
    return this.deleted.size;
  }

  get capacity(): number {
    return this.graph.getMaxElements();
  }

  has(id: string): boolean {
    const label = this.idToLabel.get(id);
    return label !== undefined && !this.deleted.has(label);
  }

  /** Inserts or replaces the whole point (vector AND metadata; omitted metadata = none). */
  upsert(id: string, vector: Float32Array | number[], metadata: Metadata | null = null): void {
    if (typeof id !== 'string') throw new InvalidIndexArgumentError('id', 'must be a string');
    const point = checkVector(vector, this.dimension, this.metric, 'vector');
    const existing = this.idToLabel.get(id);
    if (existing !== undefined) {
      this.graph.addPoint(point, existing);
      this.deleted.delete(existing);
      this.metadataByLabel[existing] = metadata;
      return;
    }
    const label = this.labelToId.length;
    if (label >= this.graph.getMaxElements()) this.grow();
    this.graph.addPoint(point, label);
    // Maps are updated only after hnswlib accepted the point, so a throw leaves them consistent.
    this.labelToId.push(id);
    this.idToLabel.set(id, label);
    this.metadataByLabel.push(metadata);
  }

  delete(id: string): boolean {
    const label = this.idToLabel.get(id);
    if (label === undefined || this.deleted.has(label)) return false;
    this.graph.markDelete(label);
    this.deleted.add(label);
    this.metadataByLabel[label] = null; // free it now; a re-upsert brings its own
    return true;
  }

  /**
   * k nearest live points, best first. k is capped by the live count. `efSearch` overrides
   * the index default for this call (hnswlib uses max(ef, k) internally).
   */
  search(query: Float32Array | number[], k: number, efSearch?: number): ShardHit[] {
    const q = checkVector(query, this.dimension, this.metric, 'query vector');
    if (!Number.isInteger(k) || k < 1) throw new InvalidIndexArgumentError('k', `must be a positive integer, got ${k}`);
    const ef = efSearch ?? this.hnsw.efSearch;
    if (!Number.isInteger(ef) || ef < 1) throw new InvalidIndexArgumentError('efSearch', `must be a positive integer, got ${ef}`);
    const live = this.size;
    if (live === 0) return [];
    const kk = Math.min(k, live);
    this.graph.setEf(Math.max(ef, kk));
    const { neighbors, distances } = this.graph.searchKnn(q, kk);
    const hits: ShardHit[] = [];
    for (let i = 0; i < neighbors.length; i++) {
      const label = neighbors[i];
      if (this.deleted.has(label)) continue; // defensive: hnswlib already filters deleted
      hits.push({ id: this.labelToId[label], score: this.toScore(distances[i]), metadata: this.metadataByLabel[label] });
    }
    return hits;
  }

  /** Writes graph + sidecar into an existing (normally fresh, temporary) directory. */
  saveTo(dir: string): void {
    const graphPath = path.join(dir, GRAPH_FILE);
    this.graph.writeIndexSync(graphPath);
    const graphBytes = statSize(graphPath);
    if (graphBytes === null || graphBytes === 0) throw new Error(`hnswlib did not write ${graphPath}`);
    const metadata: [number, Metadata][] = [];
    this.metadataByLabel.forEach((m, label) => {
      if (m !== null) metadata.push([label, m]);
    });
    const sidecar: Sidecar = {
      formatVersion: SIDECAR_FORMAT_VERSION,
      dimension: this.dimension,
      metric: this.metric,
      hnsw: { ...this.hnsw },
      graphBytes,
      capacity: this.graph.getMaxElements(),
      labelToId: this.labelToId,
      deletedLabels: [...this.deleted].sort((a, b) => a - b),
      metadata,
    };
    fs.writeFileSync(path.join(dir, SIDECAR_FILE), JSON.stringify(sidecar));
  }

  static loadFrom(dir: string): ShardIndex {
    let sidecar: Sidecar;
    try {
      sidecar = JSON.parse(fs.readFileSync(path.join(dir, SIDECAR_FILE), 'utf8')) as Sidecar;
    } catch (err) {
      throw new ShardLoadError(dir, `unreadable ${SIDECAR_FILE}`, { cause: err });
    }
    if (sidecar?.formatVersion !== SIDECAR_FORMAT_VERSION) {
      throw new ShardLoadError(dir, `unsupported sidecar formatVersion ${String(sidecar?.formatVersion)}`);
    }
    let params: Required<HnswParams>;
    try {
      params = validateParams(sidecar.dimension, sidecar.metric, sidecar.hnsw);
    } catch (err) {
      throw new ShardLoadError(dir, `invalid parameters in ${SIDECAR_FILE}: ${(err as Error).message}`, { cause: err });
    }
    const graphPath = path.join(dir, GRAPH_FILE);
    const graphBytes = statSize(graphPath);
    if (graphBytes !== sidecar.graphBytes) {
      throw new ShardLoadError(dir, `${GRAPH_FILE} is ${graphBytes ?? 'missing'} bytes, sidecar says ${sidecar.graphBytes}`);
    }
    const graph = new HierarchicalNSW(sidecar.metric, sidecar.dimension);
    try {
      graph.readIndexSync(graphPath, false);
    } catch (err) {
      throw new ShardLoadError(dir, `hnswlib rejected ${GRAPH_FILE}`, { cause: err });
    }
    if (graph.getCurrentCount() !== sidecar.labelToId.length) {
      throw new ShardLoadError(dir, `graph holds ${graph.getCurrentCount()} points, sidecar lists ${sidecar.labelToId.length}`);
    }
    if (Number.isInteger(sidecar.capacity) && graph.getMaxElements() < sidecar.capacity) graph.resizeIndex(sidecar.capacity);
    graph.setEf(params.efSearch);

    const index = new ShardIndex(sidecar.dimension, sidecar.metric, params, graph);
    sidecar.labelToId.forEach((id, label) => {
      index.labelToId.push(id);
      index.idToLabel.set(id, label);
      index.metadataByLabel.push(null);
    });
    if (index.idToLabel.size !== index.labelToId.length) throw new ShardLoadError(dir, 'duplicate ids in sidecar');
    for (const label of sidecar.deletedLabels) index.deleted.add(label);
    for (const [label, m] of sidecar.metadata) index.metadataByLabel[label] = m;
    return index;
  }

  /**
   * Grows the capacity once, up front, to exactly what upserting `ids` (any order, repeats
   * allowed) will need: labels in use + ids without a label yet (a deleted id keeps its
   * label). Never shrinks. Returns the resulting capacity. Used by exact-capacity builds.
   */
  reserveFor(ids: Iterable<string>): number {
    const fresh = new Set<string>();
    for (const id of ids) if (!this.idToLabel.has(id)) fresh.add(id);
    const needed = this.labelToId.length + fresh.size;
    if (needed > LABELS_MAX) throw new InvalidIndexArgumentError('capacity', `shard is full (${LABELS_MAX} labels)`);
    if (needed > this.graph.getMaxElements()) this.graph.resizeIndex(needed);
    return this.graph.getMaxElements();
  }

  private grow(): void {
    const current = this.graph.getMaxElements();
    if (current >= LABELS_MAX) throw new InvalidIndexArgumentError('capacity', `shard is full (${LABELS_MAX} labels)`);
    // Doubling keeps the amortised cost of resizeIndex (a realloc + copy) O(1) per insert.
    this.graph.resizeIndex(Math.min(Math.max(current * 2, GROWTH_CAPACITY_MIN), LABELS_MAX));
  }

  private toScore(distance: number): number {
    // hnswlib distances: cosine/ip = 1 - dot (dot of normalised vectors for cosine), l2 = squared L2.
    return this.metric === 'l2' ? -distance : 1 - distance;
  }
}

/** Why a vector's values break the index's rules; `component` is set when one value is at fault. */
export interface VectorRuleViolation {
  component?: number;
  rule: string;
}

/**
 * The index's rules for a vector's values (its length is checked by the caller).
 * The one definition of what the index accepts: streaming upsert, session ingest
 * (JSON and binary), search and the shard build all ask here, so a vector accepted
 * at the edge is never refused by the index later.
 */
export function vectorRuleViolation(values: ArrayLike<number>, metric: Metric): VectorRuleViolation | null {
  // Accumulated in float32 like hnswlib's normalisation does, so a vector whose squared norm
  // underflows there (e.g. all components ~1e-30) is caught here, not silently left unnormalised.
  let sumSquaresF32 = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const f = typeof v === 'number' ? Math.fround(v) : NaN;
    // fround: a finite double beyond float32 range would become Infinity inside hnswlib.
    if (!Number.isFinite(f)) return { component: i, rule: 'is not a finite float32 number' };
    sumSquaresF32 = Math.fround(sumSquaresF32 + Math.fround(f * f));
  }
  // Beyond ~1.8e19 per component distances (and cosine's norm) overflow to Infinity in
  // hnswlib's float32 arithmetic, and every score involving the point becomes meaningless.
  if (!Number.isFinite(sumSquaresF32)) return { rule: 'is too large: its squared norm overflows float32' };
  if (metric === 'cosine' && sumSquaresF32 === 0) return { rule: 'is all zeros, which has no direction under the cosine metric' };
  return null;
}

/**
 * Checks a vector against the index's rules and returns the plain number[]
 * hnswlib-node requires.
 */
export function checkVector(vector: Float32Array | number[], dimension: number, metric: Metric, what = 'vector'): number[] {
  if (!(vector instanceof Float32Array) && !Array.isArray(vector)) {
    throw new InvalidVectorError(`${what} must be an array of numbers`);
  }
  if (vector.length !== dimension) throw new DimensionMismatchError(dimension, vector.length, what);
  const violation = vectorRuleViolation(vector, metric);
  if (violation) {
    const at = violation.component === undefined ? what : `${what}[${violation.component}]`;
    throw new InvalidVectorError(`${at} ${violation.rule}`);
  }
  return Array.from(vector);
}

function validateParams(dimension: number, metric: Metric, hnsw: HnswParams): Required<HnswParams> {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > DIMENSION_MAX) {
    throw new InvalidIndexArgumentError('dimension', `must be an integer in [1, ${DIMENSION_MAX}], got ${dimension}`);
  }
  if (metric !== 'cosine' && metric !== 'l2' && metric !== 'ip') {
    throw new InvalidIndexArgumentError('metric', `must be cosine, l2 or ip, got ${String(metric)}`);
  }
  // M = 1 makes hnswlib's level multiplier 1/ln(1) = Infinity; hnswlib itself caps M at 10000.
  const positive = (field: string, v: unknown, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidIndexArgumentError(`hnsw.${field}`, `must be an integer in [${min}, ${max}], got ${String(v)}`);
    }
    return v;
  };
  const { M, ef, randomSeed } = HNSW_LIMITS;
  return {
    M: positive('M', hnsw?.M, M.min, M.max),
    efConstruction: positive('efConstruction', hnsw?.efConstruction, ef.min, ef.max),
    efSearch: positive('efSearch', hnsw?.efSearch, ef.min, ef.max),
    randomSeed: positive('randomSeed', hnsw?.randomSeed ?? RANDOM_SEED_DEFAULT, randomSeed.min, randomSeed.max),
  };
}

function statSize(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

// Test (and benchmark) vectors: reproducible from a seed, and the exact answers an
// approximate index is measured against. No test-runner imports: bench/ uses the
// generators too (tsconfig.build.json includes this one file from test/).

/** mulberry32: a tiny seeded generator, so every run sees the same data. Uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` vectors with components uniform in [-1, 1), drawn row by row from `seed`. */
export function randomVectors(count: number, dimension: number, seed: number): number[][] {
  const rnd = seededRandom(seed);
  return Array.from({ length: count }, () => Array.from({ length: dimension }, () => rnd() * 2 - 1));
}

/** randomVectors rounded to float32, one array per vector. */
export function randomFloat32Vectors(count: number, dimension: number, seed: number): Float32Array[] {
  return randomVectors(count, dimension, seed).map((v) => Float32Array.from(v));
}

/** randomVectors rounded to float32, row after row in one array (the shard builder's layout). */
export function randomMatrix(count: number, dimension: number, seed: number): Float32Array {
  const rnd = seededRandom(seed);
  const out = new Float32Array(count * dimension);
  for (let i = 0; i < out.length; i++) out[i] = rnd() * 2 - 1;
  return out;
}

/** The `i`th row of a randomMatrix-layout array (a view, not a copy). */
export function matrixRow(matrix: Float32Array, i: number, dimension: number): Float32Array {
  return matrix.subarray(i * dimension, (i + 1) * dimension);
}

export interface ClusterShape {
  /** How many centres (uniform in [-1, 1)^d, drawn from `centreSeed`). */
  clusters: number;
  /** Standard deviation of each component around its centre. */
  spread: number;
  centreSeed: number;
}

/** Gaussian clusters: closer to real embeddings than uniform noise, and harder for recall. */
export function clusteredVectors(count: number, dimension: number, seed: number, shape: ClusterShape): number[][] {
  const rnd = seededRandom(seed);
  const centres = randomVectors(shape.clusters, dimension, shape.centreSeed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  return Array.from({ length: count }, () => centres[Math.floor(rnd() * shape.clusters)].map((x) => x + shape.spread * gaussian()));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}

export function squaredL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

export type ExactMetric = 'l2' | 'cosine' | 'ip';

/** Higher is better, as ShardIndex scores: -squared L2, cosine, or the inner product. */
export function similarity(metric: ExactMetric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (metric === 'l2') return -squaredL2(a, b);
  return metric === 'cosine' ? cosine(a, b) : dot(a, b);
}

/**
 * The exact top-k of `query` over `vectors` by brute force: their indices, best
 * first, ties in row order. Keeps only k candidates, so it is linear in the rows.
 */
export function exactTopK(vectors: readonly ArrayLike<number>[], query: ArrayLike<number>, k: number, metric: ExactMetric = 'cosine'): number[] {
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < vectors.length; i++) {
    const s = similarity(metric, query, vectors[i]);
    if (best.length < k || s > best[best.length - 1].s) {
      let at = best.length;
      while (at > 0 && best[at - 1].s < s) at--;
      best.splice(at, 0, { i, s });
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.i);
}

/** The rows of a randomMatrix-layout array, as views. */
export function matrixRows(matrix: Float32Array, dimension: number): Float32Array[] {
  return Array.from({ length: matrix.length / dimension }, (_, i) => matrixRow(matrix, i, dimension));
}

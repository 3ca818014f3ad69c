// Token buckets for rate limits: `ratePerSecond` units refill continuously up to
// `burst`; a request takes `cost` units or is refused with how long until it could
// pass. Each node enforces its own buckets (in cluster mode, each node its share).
// The set of buckets is bounded: past BUCKETS_MAX keys the least recently used go.

export interface BucketLimit {
  ratePerSecond: number;
  burst: number;
}

export interface TakeResult {
  ok: boolean;
  limit: number;
  /** Units left after this take (whole units). */
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** When refused: ms until `cost` units are available. */
  retryAfterMs: number;
}

interface Bucket {
  units: number;
  atMs: number;
}

export const BUCKETS_MAX = 100_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  take(key: string, limit: BucketLimit, cost: number, nowMs = Date.now()): TakeResult {
    let b = this.buckets.get(key);
    if (b) this.buckets.delete(key); // re-inserted below: Map order is the LRU order
    else b = { units: limit.burst, atMs: nowMs };
    b.units = Math.min(limit.burst, b.units + ((nowMs - b.atMs) / 1000) * limit.ratePerSecond);
    b.atMs = nowMs;
    const ok = cost <= b.units || (cost > limit.burst && b.units >= limit.burst);
    // A single request larger than the burst passes only from a full bucket, then drains it.
    if (ok) b.units = Math.max(0, b.units - cost);
    this.buckets.set(key, b);
    if (this.buckets.size > BUCKETS_MAX) this.buckets.delete(this.buckets.keys().next().value as string);
    const needed = Math.min(cost, limit.burst) - b.units;
    return {
      ok,
      limit: limit.burst,
      remaining: Math.floor(b.units),
      resetSeconds: Math.ceil((limit.burst - b.units) / limit.ratePerSecond),
      retryAfterMs: ok ? 0 : Math.ceil((needed / limit.ratePerSecond) * 1000),
    };
  }
}

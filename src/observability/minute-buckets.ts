// The write side of the per-minute counters some surfaces keep in Postgres (a sink's
// and a stream's GET …/metrics). Requests add to buckets in memory; a flush every
// FLUSH_INTERVAL_MS hands them all to ONE multi-row upsert that adds to what Postgres
// holds (other nodes add to the same rows), so a request never waits on, or contends
// for, a metrics row. While Postgres refuses, the buckets are kept for the next flush,
// merged with newer ones, up to PENDING_BUCKETS_MAX; past that new buckets are dropped
// and reported. Only minutes with traffic ever get a bucket: gaps stay gaps.

import { Logger } from '@nestjs/common';

export const FLUSH_INTERVAL_MS = 1_000;
/** The widest range one GET …/metrics may ask for: a week of minutes. */
export const METRICS_RANGE_MINUTES_MAX = 7 * 24 * 60;
/** Buckets held between flushes; half of it flushes at once, beyond it new buckets are dropped. */
export const PENDING_BUCKETS_MAX = 10_000;

export interface MinuteBucketsSurface<B> {
  /** For log lines, e.g. "sink". */
  name: string;
  /** The bucket's identity: (owner, minute, and whatever else one row is keyed by). */
  key(bucket: B): string;
  /** Adds `from`'s counts to `into` (same key). */
  merge(into: B, from: B): void;
  /** One statement that adds every bucket of `batch` to its row. */
  write(batch: B[]): Promise<void>;
  /** False while the database is not connected (the buckets wait). */
  ready(): boolean;
  /** Buckets dropped because too many were waiting. */
  onDropped(count: number): void;
}

/** The minute `nowMs` falls in, as epoch milliseconds. */
export function minuteOf(nowMs: number): number {
  return Math.floor(nowMs / 60_000) * 60_000;
}

export class PendingMinuteBuckets<B> {
  private readonly logger: Logger;
  private pending = new Map<string, B>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly surface: MinuteBucketsSurface<B>) {
    this.logger = new Logger(`${surface.name}Metrics`);
  }

  get size(): number {
    return this.pending.size;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  add(bucket: B): void {
    this.put(bucket);
    if (this.pending.size >= PENDING_BUCKETS_MAX / 2) void this.flush();
  }

  /** Writes every pending bucket in one statement; concurrent callers share the flush in flight. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = null));
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    if (this.pending.size > 0) await this.flush();
  }

  private put(bucket: B): void {
    const k = this.surface.key(bucket);
    const current = this.pending.get(k);
    if (current) this.surface.merge(current, bucket);
    else if (this.pending.size < PENDING_BUCKETS_MAX) this.pending.set(k, bucket);
    else this.surface.onDropped(1);
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0 || !this.surface.ready()) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.surface.write(batch);
    } catch (err) {
      // Back for the next flush, merged with anything newer, within the limit.
      this.logger.warn(`could not write ${batch.length} ${this.surface.name} metric bucket(s): ${(err as Error).message}`);
      for (const b of batch) this.put(b);
    }
  }
}

/**
 * Prometheus label values for the owners of these counters (sinks, streams), bounded
 * per process: the first `max` owners keep their id, the rest share `_other`.
 */
export class BoundedLabels {
  private readonly seen = new Set<string>();

  constructor(
    private readonly max: number,
    readonly other = '_other',
  ) {}

  of(id: string): string {
    if (this.seen.has(id)) return id;
    if (this.seen.size >= this.max) return this.other;
    this.seen.add(id);
    return id;
  }
}

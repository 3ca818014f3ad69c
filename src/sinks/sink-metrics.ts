// The seed's per-minute sink metrics and their Prometheus twins. Requests add to
// in-memory buckets (sink, minute); a flush every FLUSH_INTERVAL_MS writes all of
// them in ONE multi-row upsert that adds to what Postgres holds (other nodes add to
// the same rows), so a request never waits on, or contends for, a metrics row.
// Only minutes with traffic get a row: gaps stay gaps, as the seed says.
//   ingest_rate   records sent for ingest (passed validation, appended to the log)
//   request_rate  POST requests to the sink
//   error_rate    records that failed validation (answered with status "error")
// Prometheus: intake_sink_requests_total{sink}, intake_sink_records_total{sink,outcome},
// intake_sink_rows_applied_total{sink}. The `sink` label takes at most
// SINK_LABELS_MAX distinct values per process; further sinks share `_other`.

import { Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { MetricsService } from '../observability/metrics';

export const FLUSH_INTERVAL_MS = 1_000;
/** Buckets held between flushes; reaching it flushes at once. While Postgres is down, buckets beyond it are dropped (and counted). */
export const PENDING_BUCKETS_MAX = 10_000;
/** Distinct `sink` label values per process (bounded cardinality); the rest are `_other`. */
export const SINK_LABELS_MAX = 500;
export const OTHER_SINK_LABEL = '_other';
/** The widest range one GET /metrics may ask for: a week of minutes. */
export const METRICS_RANGE_MINUTES_MAX = 7 * 24 * 60;

interface Bucket {
  sinkId: string;
  minuteMs: number;
  sent: number;
  requests: number;
  failed: number;
}

export interface MetricsBucketView {
  timestamp: string;
  ingest_rate: number;
  request_rate: number;
  error_rate: number;
}

export class SinkMetricsAggregator {
  private readonly logger = new Logger('SinkMetrics');
  private pending = new Map<string, Bucket>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private readonly labels = new Set<string>();
  private readonly requests: Counter<'sink'>;
  private readonly records: Counter<'sink' | 'outcome'>;
  private readonly applied: Counter<'sink'>;
  private readonly dropped: Counter;

  constructor(
    private readonly dataSource: DataSource,
    metrics: MetricsService,
    private readonly now: () => number = Date.now,
  ) {
    this.requests = metrics.registerCounter({ name: 'intake_sink_requests_total', help: 'POST requests to a sink (the seed\'s request rate)', labelNames: ['sink'] });
    this.records = metrics.registerCounter({
      name: 'intake_sink_records_total',
      help: 'Records posted to a sink: outcome=sent (appended to the log, the ingest rate) or failed (refused by validation, the error rate)',
      labelNames: ['sink', 'outcome'],
    });
    this.applied = metrics.registerCounter({ name: 'intake_sink_rows_applied_total', help: 'Records a sink materializer wrote to its table on this node', labelNames: ['sink'] });
    this.dropped = metrics.registerCounter({ name: 'intake_sink_metric_buckets_dropped_total', help: 'Per-minute metric buckets dropped because Postgres could not take them' });
    metrics.registerQueue({ name: 'intake_sink_metric_buckets', help: 'Per-minute sink metric buckets waiting to be written', limit: PENDING_BUCKETS_MAX, depth: () => this.pending.size });
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  private label(sinkId: string): string {
    if (this.labels.has(sinkId)) return sinkId;
    if (this.labels.size >= SINK_LABELS_MAX) return OTHER_SINK_LABEL;
    this.labels.add(sinkId);
    return sinkId;
  }

  /** One POST to a sink with `sent` records appended and `failed` refused. */
  recordRequest(sinkId: string, sent: number, failed: number): void {
    const minuteMs = Math.floor(this.now() / 60_000) * 60_000;
    const k = `${sinkId}\u0000${minuteMs}`;
    const b = this.pending.get(k) ?? { sinkId, minuteMs, sent: 0, requests: 0, failed: 0 };
    b.sent += sent;
    b.requests += 1;
    b.failed += failed;
    this.pending.set(k, b);
    const sink = this.label(sinkId);
    this.requests.inc({ sink });
    if (sent > 0) this.records.inc({ sink, outcome: 'sent' }, sent);
    if (failed > 0) this.records.inc({ sink, outcome: 'failed' }, failed);
    if (this.pending.size >= PENDING_BUCKETS_MAX) void this.flush();
  }

  recordApplied(sinkId: string, rows: number): void {
    if (rows > 0) this.applied.inc({ sink: this.label(sinkId) }, rows);
  }

  /** Writes every pending bucket in one statement; concurrent callers share the flush in flight. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0 || !this.dataSource.isInitialized) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const params: unknown[] = [];
    const tuples = batch.map((b, i) => {
      params.push(b.sinkId, new Date(b.minuteMs).toISOString(), b.sent, b.requests, b.failed);
      return `($${i * 5 + 1}, $${i * 5 + 2}::timestamptz, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`;
    });
    try {
      await this.dataSource.query(
        `INSERT INTO sink_metrics (sink_id, minute, records_sent, requests, records_failed) VALUES ${tuples.join(', ')}
         ON CONFLICT (sink_id, minute) DO UPDATE SET records_sent = sink_metrics.records_sent + EXCLUDED.records_sent,
           requests = sink_metrics.requests + EXCLUDED.requests, records_failed = sink_metrics.records_failed + EXCLUDED.records_failed`,
        params,
      );
    } catch (err) {
      // Put them back for the next flush (merged with anything newer), within the limit.
      this.logger.warn(`could not write ${batch.length} metric bucket(s): ${(err as Error).message}`);
      for (const b of batch) {
        const k = `${b.sinkId}\u0000${b.minuteMs}`;
        const cur = this.pending.get(k);
        if (cur) {
          cur.sent += b.sent;
          cur.requests += b.requests;
          cur.failed += b.failed;
        } else if (this.pending.size < PENDING_BUCKETS_MAX) this.pending.set(k, b);
        else this.dropped.inc();
      }
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    if (this.pending.size > 0) await this.flush();
  }

  /** Buckets of minutes with traffic in [from, to), oldest first. */
  async read(sinkId: string, from: Date, to: Date): Promise<MetricsBucketView[]> {
    await this.flush();
    const rows: { minute: Date; records_sent: string; requests: string; records_failed: string }[] = await this.dataSource.query(
      `SELECT minute, records_sent, requests, records_failed FROM sink_metrics WHERE sink_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute`,
      [sinkId, from.toISOString(), to.toISOString()],
    );
    return rows.map((r) => ({
      timestamp: r.minute.toISOString(),
      ingest_rate: Number(r.records_sent),
      request_rate: Number(r.requests),
      error_rate: Number(r.records_failed),
    }));
  }
}

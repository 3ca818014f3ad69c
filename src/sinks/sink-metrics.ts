// The seed's per-minute sink metrics and their Prometheus twins. Requests add to
// buckets (sink, minute) that PendingMinuteBuckets writes in one multi-row upsert
// a second. Only minutes with traffic get a row: gaps stay gaps, as the seed says.
//   ingest_rate   records sent for ingest (passed validation, appended to the log)
//   request_rate  POST requests to the sink
//   error_rate    records that failed validation (answered with status "error")
// Prometheus: intake_sink_requests_total{sink}, intake_sink_records_total{sink,outcome},
// intake_sink_rows_applied_total{sink}. The `sink` label takes at most
// SINK_LABELS_MAX distinct values per process; further sinks share `_other`.

import type { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { valuesList } from '../database/values-list';
import type { MetricsService } from '../observability/metrics';
import { BoundedLabels, PENDING_BUCKETS_MAX, PendingMinuteBuckets, minuteOf } from '../observability/minute-buckets';

/** Distinct `sink` label values per process (bounded cardinality); the rest are `_other`. */
export const SINK_LABELS_MAX = 500;

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
  private readonly buckets: PendingMinuteBuckets<Bucket>;
  private readonly labels = new BoundedLabels(SINK_LABELS_MAX);
  private readonly requests: Counter<'sink'>;
  private readonly records: Counter<'sink' | 'outcome'>;
  private readonly applied: Counter<'sink'>;

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
    const dropped = metrics.registerCounter({ name: 'intake_sink_metric_buckets_dropped_total', help: 'Per-minute metric buckets dropped because Postgres could not take them' });
    this.buckets = new PendingMinuteBuckets<Bucket>({
      name: 'sink',
      key: (b) => `${b.sinkId}\u0000${b.minuteMs}`,
      merge: (into, from) => {
        into.sent += from.sent;
        into.requests += from.requests;
        into.failed += from.failed;
      },
      write: (batch) => this.write(batch),
      ready: () => this.dataSource.isInitialized,
      onDropped: (n) => dropped.inc(n),
    });
    metrics.registerQueue({ name: 'intake_sink_metric_buckets', help: 'Per-minute sink metric buckets waiting to be written', limit: PENDING_BUCKETS_MAX, depth: () => this.buckets.size });
  }

  start(): void {
    this.buckets.start();
  }

  /** One POST to a sink with `sent` records appended and `failed` refused. */
  recordRequest(sinkId: string, sent: number, failed: number): void {
    this.buckets.add({ sinkId, minuteMs: minuteOf(this.now()), sent, requests: 1, failed });
    const sink = this.labels.of(sinkId);
    this.requests.inc({ sink });
    if (sent > 0) this.records.inc({ sink, outcome: 'sent' }, sent);
    if (failed > 0) this.records.inc({ sink, outcome: 'failed' }, failed);
  }

  recordApplied(sinkId: string, rows: number): void {
    if (rows > 0) this.applied.inc({ sink: this.labels.of(sinkId) }, rows);
  }

  flush(): Promise<void> {
    return this.buckets.flush();
  }

  stop(): Promise<void> {
    return this.buckets.stop();
  }

  private async write(batch: Bucket[]): Promise<void> {
    const values = valuesList(
      batch.map((b) => [b.sinkId, new Date(b.minuteMs).toISOString(), b.sent, b.requests, b.failed]),
      ['', 'timestamptz', '', '', ''],
    );
    await this.dataSource.query(
      `INSERT INTO sink_metrics (sink_id, minute, records_sent, requests, records_failed) VALUES ${values.sql}
       ON CONFLICT (sink_id, minute) DO UPDATE SET records_sent = sink_metrics.records_sent + EXCLUDED.records_sent,
         requests = sink_metrics.requests + EXCLUDED.requests, records_failed = sink_metrics.records_failed + EXCLUDED.records_failed`,
      values.params,
    );
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

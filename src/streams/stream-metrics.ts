// Per-minute stream counters (GET /v1/streams/{id}/metrics) and their Prometheus
// twins. Counted per (stream, minute, counter, destination) in buckets that
// PendingMinuteBuckets writes in one multi-row upsert a second. Only minutes with
// traffic get rows.
//   events_in        events accepted by POST /v1/streams/ingest
//   dropped_filter   events a filter processor dropped
//   dropped_sample   events a sample processor dropped
//   failed           events filed in ingest_errors (invalid, a processor failed, a destination refused)
//   delivered        events delivered, per destination
// Prometheus: intake_stream_events_total{stream, outcome}; intake_stream_deliveries_total{stream, destination}.
// The `stream` label takes at most STREAM_LABELS_MAX values per process; the rest share `_other`.

import type { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { valuesList } from '../database/values-list';
import type { MetricsService } from '../observability/metrics';
import { BoundedLabels, PENDING_BUCKETS_MAX, PendingMinuteBuckets, minuteOf } from '../observability/minute-buckets';

export const STREAM_LABELS_MAX = 200;
export const STREAM_COUNTERS = ['events_in', 'dropped_filter', 'dropped_sample', 'failed', 'delivered'] as const;
export type StreamCounter = (typeof STREAM_COUNTERS)[number];

interface Bucket {
  streamId: string;
  minuteMs: number;
  counter: StreamCounter;
  destination: string;
  value: number;
}

export interface StreamMinute {
  timestamp: string;
  events_in: number;
  dropped_filter: number;
  dropped_sample: number;
  failed: number;
  delivered: Record<string, number>;
}

export class StreamMetrics {
  private readonly buckets: PendingMinuteBuckets<Bucket>;
  private readonly labels = new BoundedLabels(STREAM_LABELS_MAX);
  private readonly events: Counter<'stream' | 'outcome'>;
  private readonly deliveries: Counter<'stream' | 'destination'>;

  constructor(
    private readonly dataSource: DataSource,
    metrics: MetricsService,
    private readonly now: () => number = Date.now,
  ) {
    this.events = metrics.registerCounter({
      name: 'intake_stream_events_total',
      help: 'Stream events by outcome: in (accepted), dropped_filter, dropped_sample, failed (filed in ingest_errors)',
      labelNames: ['stream', 'outcome'],
    });
    this.deliveries = metrics.registerCounter({ name: 'intake_stream_deliveries_total', help: 'Stream events delivered, per destination', labelNames: ['stream', 'destination'] });
    const dropped = metrics.registerCounter({ name: 'intake_stream_metric_buckets_dropped_total', help: 'Per-minute stream metric buckets dropped because Postgres could not take them' });
    this.buckets = new PendingMinuteBuckets<Bucket>({
      name: 'stream',
      key: (b) => `${b.streamId}\u0000${b.minuteMs}\u0000${b.counter}\u0000${b.destination}`,
      merge: (into, from) => {
        into.value += from.value;
      },
      write: (batch) => this.write(batch),
      ready: () => this.dataSource.isInitialized,
      onDropped: (n) => dropped.inc(n),
    });
    metrics.registerQueue({ name: 'intake_stream_metric_buckets', help: 'Per-minute stream metric buckets waiting to be written', limit: PENDING_BUCKETS_MAX, depth: () => this.buckets.size });
  }

  start(): void {
    this.buckets.start();
  }

  add(streamId: string, counter: StreamCounter, value: number, destination = ''): void {
    if (value <= 0) return;
    this.buckets.add({ streamId, minuteMs: minuteOf(this.now()), counter, destination, value });
    const stream = this.labels.of(streamId);
    if (counter === 'delivered') this.deliveries.inc({ stream, destination }, value);
    else this.events.inc({ stream, outcome: counter === 'events_in' ? 'in' : counter }, value);
  }

  flush(): Promise<void> {
    return this.buckets.flush();
  }

  stop(): Promise<void> {
    return this.buckets.stop();
  }

  private async write(batch: Bucket[]): Promise<void> {
    const values = valuesList(
      batch.map((b) => [b.streamId, new Date(b.minuteMs).toISOString(), b.counter, b.destination, b.value]),
      ['uuid', 'timestamptz', '', '', ''],
    );
    await this.dataSource.query(
      `INSERT INTO stream_metrics (stream_id, minute, counter, destination, value) VALUES ${values.sql}
       ON CONFLICT (stream_id, minute, counter, destination) DO UPDATE SET value = stream_metrics.value + EXCLUDED.value`,
      values.params,
    );
  }

  /** Minutes with traffic in [from, to), oldest first. */
  async read(streamId: string, from: Date, to: Date): Promise<StreamMinute[]> {
    await this.flush();
    const rows: { minute: Date; counter: StreamCounter; destination: string; value: string }[] = await this.dataSource.query(
      `SELECT minute, counter, destination, value FROM stream_metrics WHERE stream_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute`,
      [streamId, from.toISOString(), to.toISOString()],
    );
    const minutes = new Map<number, StreamMinute>();
    for (const r of rows) {
      const t = r.minute.getTime();
      let m = minutes.get(t);
      if (!m) {
        m = { timestamp: r.minute.toISOString(), events_in: 0, dropped_filter: 0, dropped_sample: 0, failed: 0, delivered: {} };
        minutes.set(t, m);
      }
      if (r.counter === 'delivered') m.delivered[r.destination] = (m.delivered[r.destination] ?? 0) + Number(r.value);
      else m[r.counter] += Number(r.value);
    }
    return [...minutes.values()];
  }
}

// The process's Prometheus registry, owned by one provider so that each app (and
// each test app) has its own and nothing leaks between them. Modules add their
// metrics through the register* methods; every queue or buffer registers its
// depth next to its limit (registerQueue), so a dashboard shows how close it is.

import { BoundedQueue } from '../common/bounded-queue';
import { Injectable } from '@nestjs/common';
import {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  Metric,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';

/** Our metrics share a prefix so dashboards and alerts can select them; Node's defaults keep their standard names. */
export const METRIC_NAME = /^intake_[a-z0-9_]+$/;
/** Request latencies from a cached read (~1 ms) to a write that waits for the index (seconds). */
const HTTP_LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** The route label of requests that matched no route, so unknown URLs cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

type HttpLabels = 'method' | 'route' | 'status';
type Config<C> = Omit<C, 'registers'>;

export interface QueueMetric {
  /** Base name: `<name>_depth` and `<name>_limit` gauges are registered. */
  name: string;
  help: string;
  /** The named limit of the queue, in the same unit as depth(). */
  limit: number;
  /** Read at scrape time; must be cheap and must not throw. */
  depth: () => number;
}

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<HttpLabels>;
  private readonly httpDuration: Histogram<HttpLabels>;
  /** Records filed in ingest_errors, by surface and reason code (both bounded sets). */
  readonly ingestErrors: Counter<'surface' | 'reason'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpRequests = this.registerCounter({
      name: 'intake_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'],
    });
    this.httpDuration = this.registerHistogram({
      name: 'intake_http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to finishing its response',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_LATENCY_BUCKETS_SECONDS,
    });
    this.ingestErrors = this.registerCounter({
      name: 'intake_ingest_errors_total',
      help: 'Records that reached the log but were filed in ingest_errors instead of materialized, by surface and reason',
      labelNames: ['surface', 'reason'],
    });
  }

  /** `route` is the pattern (`/vectordb/collections/:id`), never the raw URL. */
  observeHttpRequest(method: string, route: string, status: number, durationSeconds: number): void {
    const labels = { method, route, status: String(status) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, durationSeconds);
  }

  registerCounter<L extends string>(config: Config<CounterConfiguration<L>>): Counter<L> {
    return this.getOrCreate(config.name, Counter, () => new Counter<L>({ ...config, registers: [this.registry] }));
  }

  registerGauge<L extends string>(config: Config<GaugeConfiguration<L>>): Gauge<L> {
    return this.getOrCreate(config.name, Gauge, () => new Gauge<L>({ ...config, registers: [this.registry] }));
  }

  registerHistogram<L extends string>(config: Config<HistogramConfiguration<L>>): Histogram<L> {
    return this.getOrCreate(config.name, Histogram, () => new Histogram<L>({ ...config, registers: [this.registry] }));
  }

  /** A bounded queue or buffer: its current depth, read at scrape time, beside its limit. */
  registerQueue(queue: QueueMetric): void {
    this.registerGauge({
      name: `${queue.name}_depth`,
      help: `${queue.help}: items held now`,
      collect() {
        this.set(queue.depth());
      },
    });
    this.registerGauge({ name: `${queue.name}_limit`, help: `${queue.help}: the most it may hold` }).set(queue.limit);
  }

  /** Every BoundedQueue of these names: summed depth beside the per-instance limit. */
  registerBoundedQueues(queues: { name: string; help: string; limit: number }[]): void {
    for (const q of queues) {
      this.registerQueue({ name: `intake_${q.name}`, help: q.help, limit: q.limit, depth: () => BoundedQueue.depth(q.name).depth });
    }
  }

  /** The text exposition of every metric, and the content type to serve it with. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Registering the same name twice returns the first metric: two instances of a
   * module (or a module re-initialised in a test) share one series instead of
   * failing. A name reused for another kind of metric is a bug and throws.
   */
  private getOrCreate<M extends Metric>(name: string, kind: abstract new (...args: never[]) => Metric, create: () => M): M {
    if (!METRIC_NAME.test(name)) throw new Error(`metric name '${name}' must match ${METRIC_NAME.source}`);
    const existing = this.registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (!(existing instanceof kind)) throw new Error(`metric '${name}' is already registered as another kind`);
    return existing as M;
  }
}

// The sinks this node materializes: one shared-mode runner per sink (every node
// runs one; the consumer group splits the sink's partitions between them). Loaded
// at start, opened when a sink is created here, and kept in step with the sinks
// table every SYNC_INTERVAL_MS, so a sink created or deleted through another node
// is picked up (or stopped) here too.

import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { IngestErrorsRepository } from '../database/ingest-errors.repository';
import { LogClient } from '../log/log-client';
import { Topics } from '../log/topics';
import { MaterializerRunner } from '../materialize/materializer-runner';
import { PostgresOffsetStore } from '../materialize/offset-store';
import { HealthContributors } from '../observability/health-contributors';
import { MetricsService } from '../observability/metrics';
import { sinkLagHealth } from './sink-lag';
import { SinkMetricsAggregator } from './sink-metrics';
import { SinkMaterializer } from './sink.materializer';
import { SinkTablesRepository, StoredSink } from './sink-tables.repository';

export const SYNC_INTERVAL_MS = 2_000;

export const sinkMaterializerName = (id: string): string => `sink:${id}`;
/** Shared mode: one group per sink across the cluster (not per node). */
export const sinkGroupId = (id: string): string => `intake.materializer.${Topics.sink(id)}`;

export interface LiveSink {
  sink: StoredSink;
  runner: MaterializerRunner<unknown>;
}

@Injectable()
export class SinkRegistry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SinkRegistry.name);
  private readonly live = new Map<string, LiveSink>();
  private readonly opening = new Map<string, Promise<LiveSink>>();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private stopped = false;
  private unregisterHealth: () => void = () => undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly log: LogClient,
    private readonly repo: SinkTablesRepository,
    private readonly errors: IngestErrorsRepository,
    private readonly metrics: MetricsService,
    private readonly sinkMetrics: SinkMetricsAggregator,
    private readonly health: HealthContributors,
  ) {}

  async onModuleInit(): Promise<void> {
    this.sinkMetrics.start();
    this.unregisterHealth = this.health.register({
      name: 'sink_lag',
      check: () => sinkLagHealth(this.dataSource, this.log, [...this.live.keys()], sinkMaterializerName),
    });
    await this.sync();
    this.timer = setInterval(() => void this.sync(), SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  /** Opens runners for new sinks and stops those whose sink is gone. */
  sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const sinks = await this.repo.listSinks();
        const ids = new Set(sinks.map((s) => s.id));
        for (const s of sinks) if (!this.live.has(s.id)) await this.open(s);
        for (const id of [...this.live.keys()]) if (!ids.has(id)) await this.close(id);
      } catch (err) {
        if (!this.stopped) this.logger.warn(`sink sync failed: ${(err as Error).message}`);
      }
    })().finally(() => (this.syncing = null));
    return this.syncing;
  }

  async open(sink: StoredSink): Promise<LiveSink> {
    const existing = this.live.get(sink.id);
    if (existing) return existing;
    let pending = this.opening.get(sink.id);
    if (!pending) {
      pending = this.start(sink).finally(() => this.opening.delete(sink.id));
      this.opening.set(sink.id, pending);
    }
    return pending;
  }

  private async start(sink: StoredSink): Promise<LiveSink> {
    const surface = new SinkMaterializer(sink, (id, rows) => this.sinkMetrics.recordApplied(id, rows));
    const runner = new MaterializerRunner<unknown>(surface, {
      log: this.log,
      errors: this.errors,
      offsets: new PostgresOffsetStore(this.dataSource, this.errors, sinkMaterializerName(sink.id), surface.topic),
      groupId: sinkGroupId(sink.id),
      onFiled: (reason, count) => this.metrics.ingestErrors.inc({ surface: 'sink', reason }, count),
    });
    await this.log.ensureTopic(surface.topic, sink.partitions);
    await runner.start();
    const live = { sink, runner };
    this.live.set(sink.id, live);
    this.logger.log(`materializing sink ${sink.id} into table ${sink.table} (${sink.partitions} partition(s), shared)`);
    return live;
  }

  get(id: string): LiveSink | undefined {
    return this.live.get(id);
  }

  /** The live sink, opening it when it exists in Postgres but not yet here; null when there is no such sink. */
  async find(id: string): Promise<LiveSink | null> {
    const live = this.live.get(id);
    if (live) return live;
    const sink = await this.repo.getSink(id);
    return sink ? this.open(sink) : null;
  }

  async close(id: string): Promise<void> {
    const live = this.live.get(id);
    this.live.delete(id);
    await live?.runner.stop();
  }

  // Before the database and the log client close: the last batch commits its offsets.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unregisterHealth();
    if (this.timer) clearInterval(this.timer);
    await this.syncing;
    await Promise.allSettled([...this.live.values()].map((l) => l.runner.stop()));
    this.live.clear();
    await this.sinkMetrics.stop();
  }

  get nodeId(): string {
    return this.config.nodeId;
  }
}

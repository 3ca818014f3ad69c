// The stream destinations this node delivers: one shared-mode runner per (stream,
// destination) (every node runs one; each destination's consumer group splits the
// stream's partitions between the nodes). Kept in step with the streams table every
// SYNC_INTERVAL_MS, so a stream or destination created, changed or deleted through
// any node is picked up (or stopped) here too.

import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CollectionsService } from '../collections/collections.service';
import { APP_CONFIG, AppConfig } from '../config/config';
import { IngestErrorsRepository } from '../database/ingest-errors.repository';
import { LogClient } from '../log/log-client';
import { Topics } from '../log/topics';
import { MaterializerRunner } from '../materialize/materializer-runner';
import { PostgresOffsetStore } from '../materialize/offset-store';
import { materializerLag } from '../materialize/materializer-lag';
import { HealthContributors } from '../observability/health-contributors';
import { MetricsService } from '../observability/metrics';
import { createDestination } from './destinations/destination-factory';
import type { RecordEvent } from './stream-events';
import type { StoredStream } from './stream-definition';
import { StreamMetrics } from './stream-metrics';
import { StreamDestinationMaterializer, streamGroupId, streamMaterializerName } from './stream.materializer';
import { StreamsRepository } from './streams.repository';
import { STREAM_TOPIC_MESSAGE_BYTES_MAX } from './stream-events';

export const SYNC_INTERVAL_MS = 2_000;
/** Destinations named in /health's details, the most behind first; the total counts them all. */
export const STREAM_LAG_LISTED_MAX = 50;

interface LiveDestination {
  surface: StreamDestinationMaterializer;
  runner: MaterializerRunner<RecordEvent[]>;
}

@Injectable()
export class StreamRegistry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(StreamRegistry.name);
  /** Key: `<stream id>/<destination>`. */
  private readonly live = new Map<string, LiveDestination>();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private stopped = false;
  private unregisterHealth: (() => void) | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly log: LogClient,
    private readonly repo: StreamsRepository,
    private readonly errors: IngestErrorsRepository,
    private readonly metrics: MetricsService,
    private readonly streamMetrics: StreamMetrics,
    private readonly collections: CollectionsService,
    private readonly health: HealthContributors,
  ) {}

  async onModuleInit(): Promise<void> {
    this.streamMetrics.start();
    this.unregisterHealth = this.health.register({ name: 'stream_lag', check: () => this.lagHealth() });
    await this.sync();
    this.timer = setInterval(() => void this.sync(), SYNC_INTERVAL_MS);
    this.timer.unref();
  }

  /** Opens runners for new destinations and stops those whose stream or destination is gone. */
  sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const streams = await this.repo.list();
        const wanted = new Map<string, { stream: StoredStream; destination: string }>();
        for (const s of streams) for (const d of s.definition.destinations) wanted.set(`${s.id}/${d.name}`, { stream: s, destination: d.name });
        for (const [key, w] of wanted) if (!this.live.has(key) && !this.stopped) await this.open(key, w.stream, w.destination);
        for (const key of [...this.live.keys()]) if (!wanted.has(key)) await this.close(key);
      } catch (err) {
        if (!this.stopped) this.logger.warn(`stream sync failed: ${(err as Error).message}`);
      }
    })().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async open(key: string, stream: StoredStream, destination: string): Promise<void> {
    const surface = new StreamDestinationMaterializer(stream, destination, {
      repo: this.repo,
      metrics: this.streamMetrics,
      createDestination: (spec) => createDestination(stream.id, spec, { log: this.log, collections: this.collections, dataDir: this.config.dataDir }),
    });
    const runner = new MaterializerRunner<RecordEvent[]>(surface, {
      log: this.log,
      errors: this.errors,
      offsets: new PostgresOffsetStore(this.dataSource, this.errors, streamMaterializerName(stream.id, destination), surface.topic),
      groupId: streamGroupId(stream.id, destination),
      onFiled: (reason, count) => this.metrics.ingestErrors.inc({ surface: 'stream', reason }, count),
    });
    await this.log.ensureTopic(Topics.stream(stream.id), stream.partitions, { maxMessageBytes: STREAM_TOPIC_MESSAGE_BYTES_MAX });
    await runner.start();
    this.live.set(key, { surface, runner });
    this.logger.log(`delivering stream ${stream.id} (${stream.name}) to destination ${destination}`);
  }

  private async close(key: string): Promise<void> {
    const live = this.live.get(key);
    this.live.delete(key);
    if (!live) return;
    await live.runner.stop();
    await live.surface.close();
  }

  /**
   * Log messages not yet delivered, per destination (the cluster's figure: shared mode).
   * Up whatever the figure: a destination that is down is no one node's fault, and a 503
   * from every node at once would take the whole cluster out of its load balancer.
   */
  private async lagHealth() {
    const targets = [...this.live.entries()].map(([key, l]) => ({ key, materializer: streamMaterializerName(l.surface.stream.id, l.surface.destinationName), topic: l.surface.topic }));
    const { total, lags } = await materializerLag(this.dataSource, this.log, targets);
    return { status: 'up' as const, details: { messages: total.toString(), destinations: Object.fromEntries(lags.slice(0, STREAM_LAG_LISTED_MAX).map(([k, v]) => [k, v.toString()])) } };
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unregisterHealth?.();
    if (this.timer) clearInterval(this.timer);
    await this.syncing;
    await Promise.allSettled([...this.live.keys()].map((k) => this.close(k)));
    await this.streamMetrics.stop();
  }
}

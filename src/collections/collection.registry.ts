// The live materializers of this node, one per collection it serves. Loaded from
// the collections table at start-up; each resumes from its own checkpoint. Their
// shards' indexes live in one pool of worker threads, one per core.

import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import * as path from 'node:path';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CollectionsRepository } from '../database/collections.repository';
import { IngestErrorsRepository } from '../database/ingest-errors.repository';
import { IndexSessionsRepository } from '../database/index-sessions.repository';
import { LogClient } from '../log/log-client';
import { CollectionMaterializer } from './collection.materializer';
import { APPLIED_WAITERS_MAX, APPLIED_WAITERS_QUEUE } from '../materialize/applied-offsets';
import { BUILDS_WAITING_MAX, BUILD_QUEUE } from '../index-sessions/shard-finalizer';
import { CollectionSpec } from './collection-spec';
import { HealthContributors } from '../observability/health-contributors';
import { MetricsService } from '../observability/metrics';
import { INBOX_MAX, INBOX_WAITING_MAX, INBOX_WAITING_QUEUE, ShardWorkerPool } from './workers/shard-worker-pool';

/** Past this many unapplied records across collections, /health reports the consumers down. */
export const CONSUMER_LAG_RECORDS_DOWN = 1_000_000;

@Injectable()
export class CollectionRegistry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(CollectionRegistry.name);
  private readonly live = new Map<string, CollectionMaterializer>();
  private readonly workers = new ShardWorkerPool();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly log: LogClient,
    private readonly collections: CollectionsRepository,
    private readonly errors: IngestErrorsRepository,
    private readonly sessions: IndexSessionsRepository,
    private readonly health: HealthContributors,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.registerObservability();
    for (const spec of await this.collections.list()) await this.open(spec);
  }

  async open(spec: CollectionSpec): Promise<CollectionMaterializer> {
    const existing = this.live.get(spec.name);
    if (existing) return existing;
    // A session closes when its build lands here, whether or not its /finalize call is still waiting.
    const onSessionBuilt = (session: string) => this.sessions.close(spec.name, session);
    const m = new CollectionMaterializer(spec, this.log, this.errors, onSessionBuilt, {
      indexesDir: path.join(this.config.dataDir, 'indexes'),
      nodeId: this.config.nodeId,
      checkpointEveryRecords: this.config.checkpointEveryRecords,
      checkpointEveryMs: this.config.checkpointEveryMs,
      workers: this.workers,
      onFiled: (reason, count) => this.metrics.ingestErrors.inc({ surface: 'collection', reason }, count),
    });
    this.live.set(spec.name, m);
    try {
      await m.start();
    } catch (err) {
      this.live.delete(spec.name);
      throw err;
    }
    this.logger.log(`serving collection ${spec.name} (${spec.shards} shard(s), ${m.size} vectors from checkpoint)`);
    return m;
  }

  private registerObservability(): void {
    const live = this.live;
    this.metrics.registerBoundedQueues([
      { name: APPLIED_WAITERS_QUEUE, help: 'Writes and strong searches waiting for their offset to be applied (limit per collection)', limit: APPLIED_WAITERS_MAX },
      { name: BUILD_QUEUE, help: 'Index-session shard builds waiting for a worker thread', limit: BUILDS_WAITING_MAX },
      { name: INBOX_WAITING_QUEUE, help: 'Shard requests waiting for room in a shard worker inbox (limit per worker)', limit: INBOX_WAITING_MAX },
    ]);
    const workers = this.workers;
    this.metrics.registerGauge({
      name: 'intake_shard_worker_inbox_depth',
      help: `Requests a shard worker thread holds unanswered (applies, searches, checkpoints; at most ${INBOX_MAX})`,
      labelNames: ['worker'],
      collect() {
        this.reset();
        workers.inboxDepths().forEach((depth, worker) => this.set({ worker: String(worker) }, depth));
      },
    });
    this.metrics.registerGauge({
      name: 'intake_shard_worker_restarts',
      help: 'Shard worker threads that died and were replaced (their shards reopened from checkpoints) since start',
      collect() {
        this.set(workers.restarts);
      },
    });
    this.metrics.registerGauge({
      name: 'intake_collection_vectors',
      help: 'Live (not deleted) vectors in a collection on this node',
      labelNames: ['collection'],
      collect() {
        this.reset();
        for (const m of live.values()) this.set({ collection: m.spec.name }, m.size);
      },
    });
    this.metrics.registerGauge({
      name: 'intake_collection_applied_offset',
      help: 'Next log offset a collection shard will apply',
      labelNames: ['collection', 'shard'],
      collect() {
        this.reset();
        for (const m of live.values()) {
          for (let p = 0; p < m.spec.shards; p++) this.set({ collection: m.spec.name, shard: String(p) }, Number(m.applied.get(p)));
        }
      },
    });
    this.health.register({
      name: 'consumer_lag',
      check: async () => {
        const lags: Record<string, string> = {};
        let total = 0n;
        for (const m of live.values()) {
          const lag = m.applied.lag(await this.log.endOffsets(m.topic));
          lags[m.spec.name] = lag.toString();
          total += lag;
        }
        return { status: total > BigInt(CONSUMER_LAG_RECORDS_DOWN) ? 'down' : 'up', details: { records: total.toString(), collections: lags } };
      },
    });
  }

  get(name: string): CollectionMaterializer | undefined {
    return this.live.get(name);
  }

  /**
   * The collection's materializer on this node, or null when no such collection exists.
   * A collection created through another node is opened here on first use (its
   * definition is in Postgres). Every surface that serves a collection looks it up here.
   */
  async find(name: string): Promise<CollectionMaterializer | null> {
    const m = this.live.get(name);
    if (m) return m;
    const row = await this.collections.get(name);
    return row ? this.open(row) : null;
  }

  all(): CollectionMaterializer[] {
    return [...this.live.values()];
  }

  async drop(name: string): Promise<void> {
    const m = this.live.get(name);
    this.live.delete(name);
    await m?.destroy();
  }

  // Before the database and the log client close: a last batch may still file ingest errors.
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.live.values()].map((m) => m.stop(true)));
    this.live.clear();
    await this.workers.stop();
  }
}

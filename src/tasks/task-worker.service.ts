// Starts this node's share of the task worker: makes sure the two task collections
// and the `intake.tasks` topic exist, then runs the shared-mode runner over it with
// its offsets in Postgres. Stops it before the database and the log close; a task
// running then stops at its next batch and resumes after the restart (or on another node).

import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CollectionsService } from '../collections/collections.service';
import { APP_CONFIG, AppConfig } from '../config/config';
import { IngestErrorsRepository } from '../database/ingest-errors.repository';
import { TEXT_EMBEDDER } from '../embeddings/embedder.provider';
import type { TextEmbedder } from '../embeddings/embedder';
import { LogClient } from '../log/log-client';
import { Topics } from '../log/topics';
import { MaterializerRunner } from '../materialize/materializer-runner';
import { PostgresOffsetStore } from '../materialize/offset-store';
import { MetricsService } from '../observability/metrics';
import { TaskCommand } from './task-command';
import { ensureTaskCollections } from './task-collections';
import { TextTemplate } from './task-items';
import { TaskMetrics } from './task-metrics';
import { TaskProcessor } from './task-processor';
import { TASK_WORKER_GROUP_ID, TASK_WORKER_NAME, TaskWorker } from './task.worker';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

@Injectable()
export class TaskWorkerService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(TaskWorkerService.name);
  private runner: MaterializerRunner<TaskCommand> | null = null;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly log: LogClient,
    private readonly repo: TasksRepository,
    private readonly errors: IngestErrorsRepository,
    private readonly collections: CollectionsService,
    private readonly tasks: TasksService,
    private readonly metrics: MetricsService,
    @Inject(TEXT_EMBEDDER) private readonly embedder: TextEmbedder,
  ) {}

  async onModuleInit(): Promise<void> {
    await ensureTaskCollections(this.config.tasks, this.collections);
    await this.ensureTopic();
    // An existing topic keeps its partition count, whatever the config says now.
    const partitions = (await this.log.endOffsets(Topics.tasks)).size;
    this.tasks.partitions = partitions;
    const processor = new TaskProcessor({
      repo: this.repo,
      collections: this.collections,
      embedder: this.embedder,
      template: new TextTemplate(this.config.tasks.textTemplate),
      batchItems: this.config.tasks.batchItems,
      metrics: new TaskMetrics(this.metrics, this.repo),
      stopping: () => this.stopping,
    });
    const worker = new TaskWorker(partitions, processor, () => this.stopping);
    this.runner = new MaterializerRunner(worker, {
      log: this.log,
      errors: this.errors,
      offsets: new PostgresOffsetStore(this.dataSource, this.errors, TASK_WORKER_NAME, worker.topic),
      groupId: TASK_WORKER_GROUP_ID,
      onFiled: (reason, count) => this.metrics.ingestErrors.inc({ surface: 'task', reason }, count),
    });
    await this.runner.start();
    this.logger.log(`task worker on ${worker.topic} (${partitions} partition(s), shared)`);
  }

  /** Two nodes starting together may both try to create the topic; the second finds it made. */
  private async ensureTopic(): Promise<void> {
    try {
      await this.log.ensureTopic(Topics.tasks, this.config.tasks.partitions);
    } catch {
      await this.log.ensureTopic(Topics.tasks, this.config.tasks.partitions);
    }
  }

  // Before the database and the log client close: a running task stops at its next batch.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.runner?.stop();
  }
}

// Prometheus series of upsertion tasks, in the app's one registry:
//   intake_upsertion_tasks{status}                 tasks by status, cluster-wide (read from Postgres at scrape)
//   intake_upsertion_task_items_processed_total    items this node upserted
//   intake_upsertion_task_items_failed_total       items this node listed in failed_items
//   intake_upsertion_task_embedding_seconds        one embedder call of a batch, this node

import type { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../observability/metrics';
import { TASK_STATUSES } from './task-states';
import type { TasksRepository } from './tasks.repository';

/** From a hashing batch (~ms) to a remote model on CPU (tens of seconds). */
const EMBEDDING_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class TaskMetrics {
  readonly itemsProcessed: Counter<string>;
  readonly itemsFailed: Counter<string>;
  readonly embeddingSeconds: Histogram<string>;

  constructor(metrics: MetricsService, repo: TasksRepository) {
    metrics.registerGauge({
      name: 'intake_upsertion_tasks',
      help: 'Upsertion tasks by status (all nodes: read from Postgres at scrape time)',
      labelNames: ['status'],
      async collect() {
        const counts = await repo.countByStatus().catch(() => null);
        if (counts === null) return;
        for (const s of TASK_STATUSES) this.set({ status: s }, counts.get(s) ?? 0);
      },
    });
    this.itemsProcessed = metrics.registerCounter({
      name: 'intake_upsertion_task_items_processed_total',
      help: 'Task items this node embedded and upserted into their collection',
    });
    this.itemsFailed = metrics.registerCounter({
      name: 'intake_upsertion_task_items_failed_total',
      help: "Task items this node listed in their task's failed_items (no text, embedder error after retries, too large)",
    });
    this.embeddingSeconds = metrics.registerHistogram({
      name: 'intake_upsertion_task_embedding_seconds',
      help: 'Time of one embedder call for a batch of task items',
      buckets: EMBEDDING_BUCKETS_SECONDS,
    });
  }
}

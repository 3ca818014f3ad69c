// Runs one attempt of an upsertion task, batch by batch from its cursor (items_done):
// take the task (pending → processing), then per batch: stop if the task is no longer
// processing (a cancel), read each item's text, embed the batch, upsert the vectors
// through the collection's log with the payload as metadata (CollectionsService: the
// same path as a streaming upsert, which returns once the vectors are searchable), and
// record the batch's outcome. At the end: done, or failed when every item failed.
// Idempotent by construction: an upsert is keyed by object_id, so a batch redone after
// a crash (its upsert landed, its record did not) is still one vector per item.

import { Logger } from '@nestjs/common';
import { DomainError, NotFoundError, UnavailableError, ValidationError } from '../common/errors';
import type { CollectionsService } from '../collections/collections.service';
import { requireIndexable } from '../collections/indexable';
import type { Metric } from '../collections/shard-index';
import { METADATA_BYTES_MAX } from '../collections/vector-record';
import { EmbedderError, EmptyTextError, EmbedderUnavailableError, TextEmbedder } from '../embeddings/embedder';
import { TaskCommand } from './task-command';
import { TextTemplate, batchRanges } from './task-items';
import type { TaskMetrics } from './task-metrics';
import type { TasksRepository } from './tasks.repository';
import type { FailedItem, TaskItem, UpsertionTaskEntity } from './upsertion-task.entity';

/** Tries of an embedder call that failed transiently (unreachable, 5xx, 429) before its items fail. */
export const EMBED_TRIES_MAX = 3;
/** Waits (each up to INTAKE_APPLY_TIMEOUT_MS) for an upsert that is in the log but was not applied in time, before the batch is tried again. */
export const UPSERT_TRIES_MAX = 3;
const RETRY_BACKOFF_MS = 250;

/** Thrown when the node stops mid-task: the command's offset is not stored, so the task resumes from its cursor. */
export class WorkerStoppingError extends Error {
  constructor(taskId: string) {
    super(`stopping: task ${taskId} resumes from its last recorded batch`);
  }
}

export interface TaskProcessorOptions {
  repo: TasksRepository;
  collections: CollectionsService;
  embedder: TextEmbedder;
  template: TextTemplate;
  batchItems: number;
  metrics: TaskMetrics;
  stopping: () => boolean;
}

interface Target {
  name: string;
  dimension: number;
  metric: Metric;
}

export class TaskProcessor {
  private readonly logger = new Logger('TaskWorker');

  constructor(private readonly o: TaskProcessorOptions) {}

  async process(command: TaskCommand): Promise<void> {
    const work = await this.o.repo.work(command.taskId);
    // No such task (a direct producer's command), or a command of an earlier attempt: the restart appended its own.
    if (!work || work.task.attempt !== command.attempt) return;
    const { task, items } = work;
    if (task.status === 'pending') {
      if (!(await this.o.repo.move(task.id, 'pending', 'processing'))) return; // canceled before it started
    } else if (task.status !== 'processing') {
      return; // done, failed or canceled: a command seen again after its offset was stored elsewhere
    }
    // status 'processing' here without our move: this node or another died mid-task; resume at the cursor.
    const target = await this.target(task.collection);
    for (const [start, end] of batchRanges(task.itemsTotal, task.itemsDone, this.o.batchItems)) {
      if (this.o.stopping()) throw new WorkerStoppingError(task.id);
      if ((await this.o.repo.status(task.id)) !== 'processing') return; // canceled: what is upserted stays
      const outcome = await this.batch(target, items.slice(start, end));
      await this.o.repo.recordBatch(task.id, task.attempt, end, outcome.upserted, outcome.failed);
      this.o.metrics.itemsProcessed.inc(outcome.upserted);
      this.o.metrics.itemsFailed.inc(outcome.failed.length);
    }
    await this.finish(task);
  }

  /** The worker gave up on this attempt: a processing task is marked failed (a restart runs it again). */
  async abandon(command: TaskCommand): Promise<void> {
    const task = await this.o.repo.get(command.taskId);
    if (task && task.attempt === command.attempt && task.status === 'processing') await this.o.repo.move(task.id, 'processing', 'failed');
  }

  private async finish(task: UpsertionTaskEntity): Promise<void> {
    const now = await this.o.repo.get(task.id);
    if (!now || now.status !== 'processing') return;
    const to = now.itemsTotal > 0 && now.itemsUpserted === 0 ? 'failed' : 'done';
    await this.o.repo.move(task.id, 'processing', to);
  }

  /** The collection's shape, or null when it is gone (its items then fail, and a restart can retry them). */
  private async target(name: string): Promise<Target | null> {
    try {
      const view = await this.o.collections.get(name);
      return { name, dimension: view.dense_vector.dimension, metric: view.metric };
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  private async batch(target: Target | null, items: TaskItem[]): Promise<{ upserted: number; failed: FailedItem[] }> {
    const failed: FailedItem[] = [];
    if (target === null) return { upserted: 0, failed: items.map((i) => ({ object_id: i.object_id, reason: 'collection: does not exist (restart the task once it does)' })) };
    let ready: { item: TaskItem; text: string }[] = [];
    for (const item of items) {
      const text = this.o.template.textOf(item.payload);
      if ('reason' in text) {
        failed.push({ object_id: item.object_id, reason: text.reason });
        continue;
      }
      const metadataBytes = item.payload ? Buffer.byteLength(JSON.stringify(item.payload)) : 0;
      if (metadataBytes > METADATA_BYTES_MAX) {
        failed.push({ object_id: item.object_id, reason: `payload: serialises to ${metadataBytes} bytes; a vector's metadata holds at most ${METADATA_BYTES_MAX}` });
        continue;
      }
      ready.push({ item, text: text.text });
    }
    const vectors = await this.embed(ready, target.dimension, failed);
    ready = ready.filter((r) => vectors.has(r.item.object_id));
    const upsert: { id: string; dense_values: number[]; metadata: Record<string, unknown> | null }[] = [];
    for (const r of ready) {
      const vector = vectors.get(r.item.object_id) as Float32Array;
      try {
        requireIndexable(vector, target, 'vector');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        failed.push({ object_id: r.item.object_id, reason: `the embedded ${err.message}` });
        continue;
      }
      upsert.push({ id: r.item.object_id, dense_values: Array.from(vector), metadata: r.item.payload ?? null });
    }
    const problem = upsert.length === 0 ? null : await this.upsert(target, upsert);
    if (problem !== null) failed.push(...upsert.map((u) => ({ object_id: u.id, reason: problem })));
    // failed_items in item order, whichever step failed them.
    const position = new Map(items.map((item, i) => [item.object_id, i]));
    failed.sort((a, b) => (position.get(a.object_id) as number) - (position.get(b.object_id) as number));
    return { upserted: problem === null ? upsert.length : 0, failed };
  }

  /** Vectors by object_id; an item whose text the embedder refuses, or that failed after the retries, goes to `failed`. */
  private async embed(ready: { item: TaskItem; text: string }[], dimension: number, failed: FailedItem[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    let pending = ready;
    let tries = 0;
    while (pending.length > 0) {
      const stop = this.o.metrics.embeddingSeconds.startTimer();
      try {
        const vectors = await this.o.embedder.embed(pending.map((p) => p.text), dimension);
        stop();
        pending.forEach((p, i) => out.set(p.item.object_id, vectors[i]));
        return out;
      } catch (err) {
        stop();
        if (!(err instanceof EmbedderError)) throw err;
        if (err instanceof EmptyTextError) {
          // That one text has nothing to embed; the rest of the batch goes on without it.
          const bad = pending[err.index];
          failed.push({ object_id: bad.item.object_id, reason: `payload text: ${err.message.replace(/^text at index \d+ /, '')}` });
          pending = pending.filter((_, i) => i !== err.index);
          continue;
        }
        tries++;
        if (err instanceof EmbedderUnavailableError && tries < EMBED_TRIES_MAX) {
          await sleep(RETRY_BACKOFF_MS * 2 ** (tries - 1));
          continue;
        }
        const why = `embedding failed${err instanceof EmbedderUnavailableError ? ` after ${tries} tries` : ''}: ${err.message}`;
        for (const p of pending) failed.push({ object_id: p.item.object_id, reason: why });
        return out;
      }
    }
    return out;
  }

  /** Upserts through the collection's public path; null when done, or why every vector of the batch failed. */
  private async upsert(target: Target, vectors: { id: string; dense_values: number[]; metadata: Record<string, unknown> | null }[]): Promise<string | null> {
    try {
      await this.o.collections.upsert(target.name, { vectors });
      return null;
    } catch (err) {
      if (err instanceof NotFoundError) return 'collection: does not exist (restart the task once it does)';
      // An upsert's 503 means "in the log, not yet applied in time": wait for the index rather than append again.
      if (err instanceof UnavailableError) {
        await this.waitApplied(target);
        return null;
      }
      // Not the items' fault: thrown, the worker tries the task again from this batch.
      if (!(err instanceof DomainError)) throw err;
      return `the collection refused the batch: ${err.message}`;
    }
  }

  /**
   * Waits until the collection has applied everything its log holds, through the one
   * read-your-writes barrier the collections API offers: a strong-consistency search.
   * Still behind after the tries: thrown, and the batch is upserted again (idempotent).
   */
  private async waitApplied(target: Target): Promise<void> {
    const probe = new Array<number>(target.dimension).fill(0);
    probe[0] = 1;
    for (let tries = 1; ; tries++) {
      try {
        await this.o.collections.search(target.name, { query_vector: probe, top_k: 1, consistency: 'strong' });
        return;
      } catch (err) {
        if (!(err instanceof UnavailableError) || tries >= UPSERT_TRIES_MAX) throw err;
        this.logger.warn(`collection ${target.name} still applying after try ${tries}: ${err.message}`);
        await sleep(RETRY_BACKOFF_MS * 2 ** (tries - 1));
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

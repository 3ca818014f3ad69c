// The upsertion-task use cases (seed 004): run (write the task row, append its
// command), info, list, restart and cancel. The work itself is the task worker's.
// Data flows one way: validate → task row → `intake.tasks` → worker → collection log.

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { ConflictError, Errors } from '../common/errors';
import { LogClient } from '../log/log-client';
import { Topics } from '../log/topics';
import type { ListTasksQuery, RunTaskInput } from './dto/task-requests';
import { listWindow } from './dto/task-requests';
import { taskCommandRecord } from './task-command';
import { collectionOf } from './task-collections';
import { firstDuplicateObjectId, requestDigest } from './task-items';
import { CANCELABLE, RESTARTABLE, TaskTarget } from './task-states';
import { TasksRepository } from './tasks.repository';
import type { UpsertionTaskEntity } from './upsertion-task.entity';

/** A task as every route answers it: the seed's fields, then Intake's (collection, progress). */
export function taskView(t: UpsertionTaskEntity) {
  return {
    id: t.id,
    status: t.status,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
    // jsonb keeps keys in its own order; answer them as the seed writes them.
    failed_items: t.failedItems.map((f) => ({ object_id: f.object_id, reason: f.reason })),
    collection: t.collection,
    progress: { items_total: t.itemsTotal, items_done: t.itemsDone, items_upserted: t.itemsUpserted, items_failed: t.failedItems.length },
  };
}
export type TaskView = ReturnType<typeof taskView>;

@Injectable()
export class TasksService {
  /** Partitions of `intake.tasks` as created (set by the worker at start). */
  partitions: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly log: LogClient,
    private readonly repo: TasksRepository,
  ) {
    this.partitions = config.tasks.partitions;
  }

  /** The task, and whether this call created it (false: the same task_id and items were sent before). */
  async run(target: TaskTarget, input: RunTaskInput): Promise<{ created: boolean; task: TaskView }> {
    const { itemsPerTaskMax } = this.config.tasks;
    if (input.items.length > itemsPerTaskMax) throw Errors.validation('items', `must hold at most ${itemsPerTaskMax} items, got ${input.items.length}`);
    const dup = firstDuplicateObjectId(input.items);
    if (dup >= 0) throw Errors.validation(`items[${dup}].object_id`, `'${input.items[dup].object_id}' appears twice in this task`);
    const id = input.task_id ?? randomUUID();
    const digest = requestDigest(target, input.items);
    const created = await this.repo.insert({ id, target, collection: collectionOf(this.config.tasks, target), items: input.items, requestSha256: digest });
    const task = await this.repo.get(id);
    if (!task) throw new Error(`task ${id} vanished after its insert`);
    if (!created && !task.requestSha256.equals(digest)) {
      throw new ConflictError(`task '${id}' already exists with other items${task.target === target ? '' : ` (for the ${task.target} collection)`}`, { field: 'task_id', details: { kind: 'task', id } });
    }
    // A repeat of a task still pending appends its command again: harmless (the worker runs an attempt
    // once), and it recovers a task whose first command was lost with the node that wrote the row.
    if (created || task.status === 'pending') await this.enqueue(id, task.attempt);
    return { created, task: taskView(task) };
  }

  async info(id: string): Promise<TaskView> {
    return taskView(await this.existing(id));
  }

  async list(query: ListTasksQuery): Promise<TaskView[]> {
    const { offset, limit } = listWindow(query, Errors.validation);
    return (await this.repo.list(offset, limit, query.status)).map(taskView);
  }

  async restart(id: string): Promise<TaskView> {
    const task = await this.existing(id);
    if (!RESTARTABLE.includes(task.status)) throw this.wrongState(task, 'restarted', RESTARTABLE);
    const attempt = await this.repo.restart(id, task.status);
    if (attempt === null) return this.restart(id); // it moved meanwhile: judge again
    const view = await this.info(id); // as restarted: the worker may take it as soon as it is queued
    await this.enqueue(id, attempt);
    return view;
  }

  async cancel(id: string): Promise<TaskView> {
    const task = await this.existing(id);
    if (!CANCELABLE.includes(task.status)) throw this.wrongState(task, 'canceled', CANCELABLE);
    if (!(await this.repo.move(id, task.status, 'canceled'))) return this.cancel(id);
    return this.info(id);
  }

  private async enqueue(taskId: string, attempt: number): Promise<void> {
    await this.log.append(Topics.tasks, [taskCommandRecord({ taskId, attempt }, this.partitions)]);
  }

  private async existing(id: string): Promise<UpsertionTaskEntity> {
    const task = await this.repo.get(id);
    if (!task) throw Errors.notFound('task', id);
    return task;
  }

  private wrongState(task: UpsertionTaskEntity, verb: string, from: readonly string[]) {
    return Errors.invalidState(`task '${task.id}' is ${task.status}; only a task that is ${from.join(' or ')} can be ${verb}`, { id: task.id, status: task.status });
  }
}

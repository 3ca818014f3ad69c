import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TaskStatus, TaskTarget } from './task-states';

/** One failed item of a task, as `failed_items` shows it. */
export interface FailedItem {
  object_id: string;
  reason: string;
}

/** One item of a task, as the run request gave it. */
export interface TaskItem {
  object_id: string;
  payload?: Record<string, unknown> | null;
  item_info?: Record<string, unknown> | null;
}

@Entity({ name: 'upsertion_tasks' })
export class UpsertionTaskEntity {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  target!: TaskTarget;

  @Column({ type: 'text' })
  collection!: string;

  @Column({ type: 'text' })
  status!: TaskStatus;

  /** Not selected by default: a task's items can be 32 MiB; only the worker reads them. */
  @Column({ type: 'jsonb', select: false })
  items!: TaskItem[];

  @Column({ type: 'bytea', name: 'request_sha256' })
  requestSha256!: Buffer;

  @Column({ type: 'int', name: 'items_total' })
  itemsTotal!: number;

  @Column({ type: 'int', name: 'items_done' })
  itemsDone!: number;

  @Column({ type: 'int', name: 'items_upserted' })
  itemsUpserted!: number;

  @Column({ type: 'jsonb', name: 'failed_items' })
  failedItems!: FailedItem[];

  @Column({ type: 'int' })
  attempt!: number;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @Column({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

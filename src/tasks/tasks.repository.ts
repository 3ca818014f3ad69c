// The upsertion_tasks table. Status changes go through the state table's
// compare-and-set (task-states.ts) inside a transaction with whatever else the move
// changes (a restart's reset), so a move and its side effects land together or not.

import { DataSource, EntityManager } from 'typeorm';
import { TASK_TRANSITIONS, TaskStatus, TaskTarget } from './task-states';
import { FailedItem, TaskItem, UpsertionTaskEntity } from './upsertion-task.entity';

export interface NewTask {
  id: string;
  target: TaskTarget;
  collection: string;
  items: TaskItem[];
  requestSha256: Buffer;
}

/** What the worker needs to run one attempt. */
export interface TaskWork {
  task: UpsertionTaskEntity;
  items: TaskItem[];
}

const TABLE = 'upsertion_tasks';

export class TasksRepository {
  constructor(private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(UpsertionTaskEntity);
  }

  /** Inserts the task as pending; false when a task of that id exists already (it is left as it is). */
  async insert(task: NewTask): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO ${TABLE} (id, target, collection, status, items, request_sha256, items_total)
       VALUES ($1, $2, $3, 'pending', $4::jsonb, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING 1`,
      [task.id, task.target, task.collection, JSON.stringify(task.items), task.requestSha256, task.items.length],
    );
    return rows.length > 0;
  }

  get(id: string): Promise<UpsertionTaskEntity | null> {
    return this.repo.findOneBy({ id });
  }

  /** The task with its items (the worker's read). */
  async work(id: string): Promise<TaskWork | null> {
    const task = await this.repo.createQueryBuilder('t').addSelect('t.items').where('t.id = :id', { id }).getOne();
    return task ? { task, items: task.items } : null;
  }

  list(offset: number, limit: number, status?: TaskStatus): Promise<UpsertionTaskEntity[]> {
    return this.repo.find({ where: status ? { status } : {}, order: { createdAt: 'DESC', id: 'ASC' }, skip: offset, take: limit });
  }

  async status(id: string): Promise<TaskStatus | null> {
    const [row] = await this.dataSource.query(`SELECT status FROM ${TABLE} WHERE id = $1`, [id]);
    return row ? (row.status as TaskStatus) : null;
  }

  /** Compare-and-set from `from` to `to`; `also` runs in the same transaction when the move won. */
  move(id: string, from: TaskStatus, to: TaskStatus, also?: (tx: EntityManager) => Promise<unknown>): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const moved = await TASK_TRANSITIONS.move(tx, { table: TABLE, where: { id } }, from, to);
      if (moved && also) await also(tx);
      return moved;
    });
  }

  /** A restart: back to pending with its progress cleared and a new attempt number; the new attempt, or null when the task was not in `from`. */
  async restart(id: string, from: TaskStatus): Promise<number | null> {
    let attempt: number | null = null;
    await this.move(id, from, 'pending', async (tx) => {
      const [rows] = await tx.query(
        `UPDATE ${TABLE} SET attempt = attempt + 1, items_done = 0, items_upserted = 0, failed_items = '[]'::jsonb WHERE id = $1 RETURNING attempt`,
        [id],
      );
      attempt = rows[0].attempt;
    });
    return attempt;
  }

  /** One batch's outcome: the cursor moves to `done`, upserts and failures are added. Only for the attempt that made them. */
  async recordBatch(id: string, attempt: number, done: number, upserted: number, failed: FailedItem[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${TABLE} SET items_done = $3, items_upserted = items_upserted + $4, failed_items = failed_items || $5::jsonb
       WHERE id = $1 AND attempt = $2 AND items_done < $3`,
      [id, attempt, done, upserted, JSON.stringify(failed)],
    );
  }

  async countByStatus(): Promise<Map<TaskStatus, number>> {
    const rows: { status: TaskStatus; n: number }[] = await this.dataSource.query(`SELECT status, count(*)::int AS n FROM ${TABLE} GROUP BY status`);
    return new Map(rows.map((r) => [r.status, r.n]));
  }
}

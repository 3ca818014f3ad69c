// Upsertion tasks (seed 004): one row per task, holding its items (the worker reads
// them from here; the task command in `intake.tasks` names only the task), its
// progress and its failed items. `items_done` is a cursor in item order: every item
// before it was upserted or is in `failed_items`, so a worker that died resumes there.
// `attempt` grows with each restart; a command names the attempt it was appended for.

import { MigrationInterface, QueryRunner } from 'typeorm';

export class UpsertionTasks1764600500000 implements MigrationInterface {
  name = 'UpsertionTasks1764600500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE upsertion_tasks (
        id text PRIMARY KEY,
        target text NOT NULL CHECK (target IN ('default', 'categories')),
        collection text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'processing', 'done', 'failed', 'canceled')),
        items jsonb NOT NULL,
        -- Of the canonical JSON of (target, items): the same task_id with other items is a conflict.
        request_sha256 bytea NOT NULL,
        items_total int NOT NULL CHECK (items_total >= 0),
        items_done int NOT NULL DEFAULT 0 CHECK (items_done >= 0 AND items_done <= items_total),
        items_upserted int NOT NULL DEFAULT 0,
        failed_items jsonb NOT NULL DEFAULT '[]',
        attempt int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX upsertion_tasks_by_created ON upsertion_tasks (created_at DESC, id)`);
    await q.query(`CREATE INDEX upsertion_tasks_by_status ON upsertion_tasks (status, created_at DESC, id)`);
    // Every status change moves updated_at, whichever statement makes it (the state table's compare-and-set included).
    await q.query(`
      CREATE FUNCTION upsertion_tasks_touch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status IS DISTINCT FROM OLD.status THEN NEW.updated_at := clock_timestamp(); END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER upsertion_tasks_touch BEFORE UPDATE ON upsertion_tasks FOR EACH ROW EXECUTE FUNCTION upsertion_tasks_touch()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER upsertion_tasks_touch ON upsertion_tasks`);
    await q.query(`DROP FUNCTION upsertion_tasks_touch()`);
    await q.query(`DROP TABLE upsertion_tasks`);
  }
}

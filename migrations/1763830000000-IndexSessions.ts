// Index ingest sessions (seed 001): at most one open session per index. The rows a
// session stages live in the collection's log; this table only says which session
// is open, in which mode, and how many rows it has staged.

import { MigrationInterface, QueryRunner } from 'typeorm';

export class IndexSessions1763830000000 implements MigrationInterface {
  name = 'IndexSessions1763830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE index_sessions (
        index_name text PRIMARY KEY REFERENCES collections (name) ON DELETE CASCADE,
        session_id uuid NOT NULL,
        mode text NOT NULL CHECK (mode IN ('build', 'insert', 'upsert')),
        status text NOT NULL CHECK (status IN ('open', 'finalizing')),
        rows_staged bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE index_sessions`);
  }
}

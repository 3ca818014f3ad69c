// Sinks (seed 002): table definitions, sinks, per-minute sink metrics, idempotency
// keys, and replay bookkeeping on ingest_errors. The tables a sink fills are real
// Postgres tables made at creation in the schema `intake_tables` (src/sinks/), so
// that no user-named table can collide with Intake's own.

import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sinks1764600300000 implements MigrationInterface {
  name = 'Sinks1764600300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA IF NOT EXISTS intake_tables`);
    await q.query(`
      CREATE TABLE sink_tables (
        name text PRIMARY KEY,
        description text NULL,
        columns jsonb NOT NULL,
        -- Bumped by every column change, so nodes caching a definition see it changed.
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE sinks (
        id text PRIMARY KEY,
        table_name text NOT NULL REFERENCES sink_tables (name),
        definition jsonb NOT NULL,
        partitions int NOT NULL CHECK (partitions > 0),
        state text NOT NULL CHECK (state IN ('ACTIVE')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE sink_metrics (
        sink_id text NOT NULL,
        minute timestamptz NOT NULL CHECK (date_trunc('minute', minute) = minute),
        records_sent bigint NOT NULL DEFAULT 0,
        requests bigint NOT NULL DEFAULT 0,
        records_failed bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (sink_id, minute)
      )`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        request_sha256 bytea NOT NULL,
        -- NULL while the first request is still being answered.
        status int NULL,
        response jsonb NULL,
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)`);
    // A replayed error is marked once a re-appended copy of it is materialized.
    await q.query(`ALTER TABLE ingest_errors ADD COLUMN replayed_at timestamptz NULL, ADD COLUMN resolved_at timestamptz NULL`);
    await q.query(`CREATE INDEX ingest_errors_by_source_id ON ingest_errors (source, source_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ingest_errors_by_source_id`);
    await q.query(`ALTER TABLE ingest_errors DROP COLUMN resolved_at, DROP COLUMN replayed_at`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE sink_metrics`);
    await q.query(`DROP TABLE sinks`);
    await q.query(`DROP TABLE sink_tables`);
  }
}

// The first schema: where records that could not be materialized go (so nothing
// accepted ever vanishes), and the collection definitions. Append-only: never
// edit this file after it lands; add a new migration instead.

import { MigrationInterface, QueryRunner } from 'typeorm';

export class IngestErrors1763800000000 implements MigrationInterface {
  name = 'IngestErrors1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ingest_errors (
        id bigserial PRIMARY KEY,
        source text NOT NULL,
        source_id text NOT NULL,
        topic text NOT NULL,
        partition int NOT NULL,
        "offset" bigint NOT NULL,
        reason text NOT NULL,
        message text NOT NULL,
        payload bytea NULL,
        headers jsonb NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- A replay of the log meets the same record again; it must not add a second row.
        CONSTRAINT ingest_errors_record_once UNIQUE (topic, partition, "offset")
      )`);
    await q.query(`CREATE INDEX ingest_errors_by_source ON ingest_errors (source, source_id, created_at)`);
    await q.query(`
      CREATE TABLE collections (
        name text PRIMARY KEY,
        description text NULL,
        dimension int NOT NULL CHECK (dimension > 0),
        metric text NOT NULL,
        hnsw jsonb NOT NULL,
        shards int NOT NULL CHECK (shards > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE collections`);
    await q.query(`DROP TABLE ingest_errors`);
  }
}

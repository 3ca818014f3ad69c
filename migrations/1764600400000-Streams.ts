// Streams (seed 003): stream definitions (pipeline, routes, destinations, with a
// version bumped by every PUT), one row per delivered batch (which pipeline version
// produced it), and per-minute stream counters.
// ingest_errors gains `record_part`: one log record can hold several events (a
// micro-batch appended as received) and one event can fail at several destinations,
// so "once per log position" becomes once per (position, part); '' is the whole record.

import { MigrationInterface, QueryRunner } from 'typeorm';

export class Streams1764600400000 implements MigrationInterface {
  name = 'Streams1764600400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE streams (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        -- Bumped by every PUT; each delivery records the version that produced it.
        version int NOT NULL DEFAULT 1 CHECK (version > 0),
        definition jsonb NOT NULL,
        rate_limit jsonb NULL,
        partitions int NOT NULL CHECK (partitions > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE stream_deliveries (
        stream_id uuid NOT NULL,
        destination text NOT NULL,
        partition int NOT NULL,
        first_offset bigint NOT NULL,
        last_offset bigint NOT NULL,
        events int NOT NULL,
        pipeline_version int NOT NULL,
        delivered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream_id, destination, partition, first_offset)
      )`);
    await q.query(`
      CREATE TABLE stream_metrics (
        stream_id uuid NOT NULL,
        minute timestamptz NOT NULL CHECK (date_trunc('minute', minute) = minute),
        counter text NOT NULL,
        -- '' for the stream-wide counters (events in, dropped by filter or sample).
        destination text NOT NULL DEFAULT '',
        value bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (stream_id, minute, counter, destination)
      )`);
    await q.query(`ALTER TABLE ingest_errors ADD COLUMN record_part text NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE ingest_errors DROP CONSTRAINT ingest_errors_record_once`);
    await q.query(`ALTER TABLE ingest_errors ADD CONSTRAINT ingest_errors_record_once UNIQUE (topic, partition, "offset", record_part)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingest_errors DROP CONSTRAINT ingest_errors_record_once`);
    await q.query(`DELETE FROM ingest_errors WHERE record_part <> ''`);
    await q.query(`ALTER TABLE ingest_errors ADD CONSTRAINT ingest_errors_record_once UNIQUE (topic, partition, "offset")`);
    await q.query(`ALTER TABLE ingest_errors DROP COLUMN record_part`);
    await q.query(`DROP TABLE stream_metrics`);
    await q.query(`DROP TABLE stream_deliveries`);
    await q.query(`DROP TABLE streams`);
  }
}

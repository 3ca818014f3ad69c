// The record's key (a vector id, a primary key) beside its position, so an error
// can be found by the id a client knows, not only by topic/partition/offset.

import { MigrationInterface, QueryRunner } from 'typeorm';

export class IngestErrorsRecordKey1764600000000 implements MigrationInterface {
  name = 'IngestErrorsRecordKey1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingest_errors ADD COLUMN record_key text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ingest_errors DROP COLUMN record_key`);
  }
}

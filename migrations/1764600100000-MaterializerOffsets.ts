// Applied offsets of materializers whose state is in Postgres (sinks, tasks): the
// offset row is written in the same transaction as the rows it accounts for.

import { MigrationInterface, QueryRunner } from 'typeorm';

export class MaterializerOffsets1764600100000 implements MigrationInterface {
  name = 'MaterializerOffsets1764600100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE materializer_offsets (
        materializer text NOT NULL,
        topic text NOT NULL,
        partition int NOT NULL CHECK (partition >= 0),
        next_offset bigint NOT NULL CHECK (next_offset >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (materializer, topic, partition)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE materializer_offsets`);
  }
}

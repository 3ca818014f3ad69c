// One record that reached the log but could not be materialized, with its
// original payload, so it can be inspected, fixed and replayed. Schema:
// migrations/1763800000000-IngestErrors.ts.

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

@Entity({ name: 'ingest_errors' })
@Unique('ingest_errors_record_once', ['topic', 'partition', 'offset'])
@Index('ingest_errors_by_source', ['source', 'sourceId', 'createdAt'])
export class IngestErrorEntity {
  /** bigserial; pg returns int8 as a string so no id is ever rounded. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** What consumed the record: 'collection', 'sink', 'stream', 'task', ... */
  @Column({ type: 'text' })
  source!: string;

  /** Which one of them: collection name, sink id, stream id. */
  @Column({ type: 'text', name: 'source_id' })
  sourceId!: string;

  @Column({ type: 'text' })
  topic!: string;

  @Column({ type: 'int' })
  partition!: number;

  /** Kafka offset (int64) as a decimal string. */
  @Column({ type: 'bigint' })
  offset!: string;

  /** A code from IngestErrorReason (src/common/errors.ts). */
  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  message!: string;

  /** The record's key as UTF-8 (vector id, primary key); null when it had none. */
  @Column({ type: 'text', name: 'record_key', nullable: true })
  recordKey!: string | null;

  /** The record's value exactly as it was in the log; null for a tombstone. */
  @Column({ type: 'bytea', nullable: true })
  payload!: Buffer | null;

  @Column({ type: 'jsonb', nullable: true })
  headers!: Record<string, string> | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

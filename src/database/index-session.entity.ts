import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type IngestMode = 'build' | 'insert' | 'upsert';
export type IndexSessionStatus = 'open' | 'finalizing';

@Entity({ name: 'index_sessions' })
export class IndexSessionEntity {
  @PrimaryColumn({ type: 'text', name: 'index_name' })
  indexName!: string;

  @Column({ type: 'uuid', name: 'session_id' })
  sessionId!: string;

  @Column({ type: 'text' })
  mode!: IngestMode;

  @Column({ type: 'text' })
  status!: IndexSessionStatus;

  /** bigint comes back from pg as a string. */
  @Column({ type: 'bigint', name: 'rows_staged' })
  rowsStaged!: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

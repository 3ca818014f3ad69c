// Where a materializer keeps "the next offset to apply" per partition — always with
// the state it produces, never only in Kafka, so a crash can never separate them:
//   CheckpointOffsetStore  the state is in memory and checkpointed to files by the
//                          surface together with these offsets (HNSW snapshots);
//                          errors are filed right away (idempotent per log position).
//   PostgresOffsetStore    the state is Postgres rows: the rows, the ingest_errors
//                          entries and the offset commit in ONE transaction, and the
//                          offset row is locked first, so a record is applied exactly
//                          once even when two nodes briefly hold a partition.

import { DataSource, EntityManager } from 'typeorm';
import type { NewIngestError } from '../database/ingest-errors.repository';

export interface ErrorFiler {
  /** Files errors (idempotent per topic/partition/offset); returns how many were new. */
  recordMany(errors: readonly NewIngestError[], manager?: EntityManager): Promise<number>;
}

/** What one apply step produced: the next offset to store and the errors to file with it. */
export interface ApplyStep {
  next: bigint;
  errors: NewIngestError[];
}

/** Files errors grouped by reason; returns how many were new per reason (replays file nothing new). */
export async function fileByReason(filer: ErrorFiler, errors: readonly NewIngestError[], manager?: EntityManager): Promise<Map<string, number>> {
  const byReason = new Map<string, NewIngestError[]>();
  for (const e of errors) byReason.set(e.reason, [...(byReason.get(e.reason) ?? []), e]);
  const filed = new Map<string, number>();
  for (const [reason, group] of byReason) {
    const n = await filer.recordMany(group, manager);
    if (n > 0) filed.set(reason, n);
  }
  return filed;
}

export interface OffsetStore {
  /** The stored next offset of each partition (0 when none). */
  load(partitions: number): Promise<Map<number, bigint>>;
  /**
   * Runs `apply` from the partition's stored offset and stores what it returns,
   * atomically where the store can. Returns the stored next offset and how many
   * errors were newly filed, per reason.
   */
  run(partition: number, apply: (stored: bigint, transaction: EntityManager | null) => Promise<ApplyStep>): Promise<{ next: bigint; filed: Map<string, number> }>;
}

export class CheckpointOffsetStore implements OffsetStore {
  private readonly next = new Map<number, bigint>();

  constructor(
    private readonly errors: ErrorFiler,
    /** From the surface's checkpoint. */
    private readonly initial: Map<number, bigint>,
  ) {}

  async load(partitions: number): Promise<Map<number, bigint>> {
    for (let p = 0; p < partitions; p++) this.next.set(p, this.initial.get(p) ?? 0n);
    return new Map(this.next);
  }

  async run(partition: number, apply: (stored: bigint, transaction: null) => Promise<ApplyStep>): Promise<{ next: bigint; filed: Map<string, number> }> {
    const step = await apply(this.next.get(partition) ?? 0n, null);
    const filed = await fileByReason(this.errors, step.errors);
    if (step.next > (this.next.get(partition) ?? 0n)) this.next.set(partition, step.next);
    return { next: this.next.get(partition) ?? 0n, filed };
  }
}

export class PostgresOffsetStore implements OffsetStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly errors: ErrorFiler,
    /** The materializer's stable name, e.g. `sink:<id>`: one offset row per (name, topic, partition). */
    private readonly materializer: string,
    private readonly topic: string,
  ) {}

  async load(partitions: number): Promise<Map<number, bigint>> {
    const rows: { partition: number; next_offset: string }[] = await this.dataSource.query(
      `SELECT partition, next_offset FROM materializer_offsets WHERE materializer = $1 AND topic = $2`,
      [this.materializer, this.topic],
    );
    const out = new Map<number, bigint>();
    for (let p = 0; p < partitions; p++) out.set(p, 0n);
    for (const r of rows) out.set(r.partition, BigInt(r.next_offset));
    return out;
  }

  async run(partition: number, apply: (stored: bigint, transaction: EntityManager) => Promise<ApplyStep>): Promise<{ next: bigint; filed: Map<string, number> }> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO materializer_offsets (materializer, topic, partition, next_offset) VALUES ($1, $2, $3, 0)
         ON CONFLICT DO NOTHING`,
        [this.materializer, this.topic, partition],
      );
      // The lock makes a second holder of this partition (a rebalance in flight) wait, then skip what we applied.
      const [row] = await tx.query(
        `SELECT next_offset FROM materializer_offsets WHERE materializer = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
        [this.materializer, this.topic, partition],
      );
      const stored = BigInt(row.next_offset);
      const step = await apply(stored, tx);
      const filed = await fileByReason(this.errors, step.errors, tx);
      const next = step.next > stored ? step.next : stored;
      if (next !== stored) {
        await tx.query(
          `UPDATE materializer_offsets SET next_offset = $4, updated_at = now() WHERE materializer = $1 AND topic = $2 AND partition = $3`,
          [this.materializer, this.topic, partition, next.toString()],
        );
      }
      return { next, filed };
    });
  }
}

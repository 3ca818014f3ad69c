// What a surface (collections, sinks, streams, tasks) supplies to be materialized
// from the log: how to decode a record and how to apply a batch of decoded values.
// Everything else (consuming, batching, offsets, read-your-writes waits, filing
// failures, metrics, health) is the runner's (materializer-runner.ts).

import type { IngestErrorReason, IngestErrorSource } from '../common/errors';
import type { ConsumedRecord, DecodeFailure } from '../log/envelope';
import type { ConsumerMode } from '../log/topic-consumer';

export type { ConsumedRecord, DecodeFailure } from '../log/envelope';

export interface Decoded<T> {
  record: ConsumedRecord;
  value: T;
}

/** Handed to applyBatch: files a record the surface could not apply, with the batch. */
export interface ApplyContext {
  /** Set when the offset store is transactional (Postgres): write through it so rows, errors and offsets commit together. */
  readonly transaction: unknown | null;
  /** `part` names what within the record failed when it holds several (an event of a batch, a destination). */
  fail(record: Pick<ConsumedRecord, 'offset' | 'key' | 'value' | 'headers'>, reason: IngestErrorReason, message: string, part?: string): void;
  /**
   * Files the failures gathered so far now. A surface that checkpoints its own offsets
   * (files) calls this before a checkpoint covers them; with a transactional store the
   * failures commit with the batch anyway and this does nothing.
   */
  flush(): Promise<void>;
}

export interface MaterializerSurface<T> {
  /** ingest_errors.source and the `surface` metric label. */
  readonly surface: IngestErrorSource;
  /** ingest_errors.source_id: collection name, sink id, … */
  readonly sourceId: string;
  readonly topic: string;
  readonly partitions: number;
  readonly mode: ConsumerMode;
  decode(record: ConsumedRecord): T | DecodeFailure;
  /** Applies one partition's decoded values in log order. Throwing retries the batch (redelivered from the stored offset). */
  applyBatch(partition: number, items: Decoded<T>[], context: ApplyContext): Promise<void>;
  /**
   * Records below the stored offset, seen again (a replay from an earlier position,
   * e.g. to re-stage an open index session's rows after a restart). Optional.
   */
  revisit?(partition: number, records: ConsumedRecord[]): void;
}

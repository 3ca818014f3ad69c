// The rows of one sink, from its topic: a shared-mode runner surface (partitions
// split across nodes) whose state is the sink's Postgres table. A message holds one
// record or a batch of them (sink-topic-format.ts). Per batch of messages, in the
// runner's transaction (rows, ingest_errors and offsets commit together):
//   1. read the table definition (a column added on any node is seen by the next batch);
//   2. validate every record as the HTTP path does (a Kafka producer may have written
//      it directly); a bad one is filed with the field and the rule, a batch's record
//      on its own (part `records[i]`, its id, its value);
//   3. write the rows with table-row-writer (latest per id wins; a row Postgres refuses
//      is filed with its message and never holds up the rest);
//   4. mark replayed ingest errors whose copy is now a row.

import type { EntityManager } from 'typeorm';
import { IngestErrorReason } from '../common/errors';
import { ConsumedRecord, DecodeFailure, headerString } from '../log/envelope';
import { Topics } from '../log/topics';
import type { ApplyContext, Decoded, MaterializerSurface } from '../materialize/materializer';
import type { SinkDefinition } from './sink-definition';
import { memberPart, memberRecord, memberValue, parseSinkMessage, SinkMessage } from './sink-topic-format';
import { CachedRecordValidator, readTable, RowCandidate, writeRows } from './table-row-writer';

/** Set on a record re-appended by POST /v2/sinks/{id}/errors/replay: the ingest_errors id it copies. */
export const REPLAY_OF_HEADER = 'intake-replay-of';

export interface SinkApplyListener {
  (sinkId: string, rows: number): void;
}

/** One record of a message: the message, and for a batch the record's index and value. */
interface RecordRef {
  message: ConsumedRecord;
  /** -1: the message is the record. */
  index: number;
  value: unknown;
}

export class SinkMaterializer implements MaterializerSurface<SinkMessage> {
  readonly surface = 'sink' as const;
  readonly mode = 'shared' as const;
  readonly topic: string;
  private readonly validator: CachedRecordValidator;

  constructor(
    readonly sink: SinkDefinition,
    private readonly onApplied: SinkApplyListener = () => undefined,
  ) {
    this.topic = Topics.sink(sink.id);
    this.validator = new CachedRecordValidator(sink, `sink ${sink.id}`);
  }

  get sourceId(): string {
    return this.sink.id;
  }

  get partitions(): number {
    return this.sink.partitions;
  }

  /** Only the JSON parse: validation needs the table as it is when the batch applies. */
  decode(record: ConsumedRecord): SinkMessage | DecodeFailure {
    return parseSinkMessage(record);
  }

  async applyBatch(partition: number, items: Decoded<SinkMessage>[], context: ApplyContext): Promise<void> {
    const tx = context.transaction as EntityManager;
    const fail = (ref: RecordRef, reason: IngestErrorReason, message: string) => {
      if (ref.index < 0) context.fail(ref.message, reason, message);
      else context.fail(memberRecord(ref.message, idOf(ref.value, this.sink.idPath), ref.value), reason, message, memberPart(ref.index));
    };
    const refs: RecordRef[] = [];
    for (const { record, value: message } of items) {
      if (!message.batch) {
        refs.push({ message: record, index: -1, value: message.values[0] });
        continue;
      }
      for (let i = 0; i < message.values.length; i++) {
        const member = memberValue(message.values[i], i);
        if ('value' in member) refs.push({ message: record, index: i, value: member.value });
        else context.fail(memberRecord(record, null, message.values[i]), IngestErrorReason.INVALID_RECORD, member.problem, memberPart(i));
      }
    }
    const table = await readTable(tx, this.sink.table);
    if (!table) {
      for (const ref of refs) fail(ref, IngestErrorReason.TARGET_MISSING, `table '${this.sink.table}' does not exist`);
      return;
    }
    const found = this.validator.for(table);
    if ('problem' in found) {
      for (const ref of refs) fail(ref, IngestErrorReason.TARGET_MISSING, found.problem);
      return;
    }
    const good: RowCandidate<RecordRef>[] = [];
    for (const ref of refs) {
      const verdict = found.validator.check(ref.value);
      if (verdict.ok) good.push({ ref, row: verdict.row });
      else fail(ref, IngestErrorReason.INVALID_RECORD, verdict.message);
    }
    const written = await writeRows(tx, table, found.validator, good, fail);
    // Replay re-appends one-record messages; a batch's header is not a record's.
    const replayed = written
      .filter((r) => r.index < 0)
      .map((r) => headerString(r.message.headers, REPLAY_OF_HEADER))
      .filter((h): h is string => h !== null && /^\d{1,19}$/.test(h));
    if (replayed.length > 0) {
      await tx.query(`UPDATE ingest_errors SET resolved_at = now() WHERE source = 'sink' AND source_id = $1 AND id = ANY($2::bigint[]) AND resolved_at IS NULL`, [this.sink.id, replayed]);
    }
    this.onApplied(this.sink.id, written.length);
  }
}

/** A failed record's id for ingest_errors.record_key, when its value has one. */
function idOf(value: unknown, idPath: string[]): string | null {
  let v = value;
  for (const key of idPath) {
    if (typeof v !== 'object' || v === null) return null;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === 'string' || typeof v === 'number' ? String(v) : null;
}

// The rows of one sink, from its topic: a shared-mode runner surface (partitions
// split across nodes) whose state is the sink's Postgres table. Per batch, in the
// runner's transaction (rows, ingest_errors and offsets commit together):
//   1. read the table definition (a column added on any node is seen by the next batch);
//   2. validate every record as the HTTP path does (a Kafka producer may have written
//      it directly); a bad one is filed with the field and the rule;
//   3. write the rows with table-row-writer (latest per id wins; a row Postgres refuses
//      is filed with its message and never holds up the rest);
//   4. mark replayed ingest errors whose copy is now a row.

import type { EntityManager } from 'typeorm';
import { IngestErrorReason } from '../common/errors';
import { ConsumedRecord, DecodeFailure, headerString } from '../log/envelope';
import { Topics } from '../log/topics';
import type { ApplyContext, Decoded, MaterializerSurface } from '../materialize/materializer';
import type { SinkDefinition } from './sink-definition';
import { CachedRecordValidator, readTable, RowCandidate, writeRows } from './table-row-writer';

/** Set on a record re-appended by POST /v2/sinks/{id}/errors/replay: the ingest_errors id it copies. */
export const REPLAY_OF_HEADER = 'intake-replay-of';

export interface SinkApplyListener {
  (sinkId: string, rows: number): void;
}

export class SinkMaterializer implements MaterializerSurface<unknown> {
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
  decode(record: ConsumedRecord): unknown | DecodeFailure {
    if (record.value === null) return { reason: IngestErrorReason.INVALID_RECORD, message: 'value: a sink record needs a JSON object value (tombstones are not supported)' };
    try {
      return { parsed: JSON.parse(record.value.toString('utf8')) };
    } catch (err) {
      return { reason: IngestErrorReason.MALFORMED_JSON, message: `value: is not valid JSON: ${(err as Error).message}` };
    }
  }

  async applyBatch(partition: number, items: Decoded<unknown>[], context: ApplyContext): Promise<void> {
    const tx = context.transaction as EntityManager;
    const table = await readTable(tx, this.sink.table);
    if (!table) {
      for (const i of items) context.fail(i.record, IngestErrorReason.TARGET_MISSING, `table '${this.sink.table}' does not exist`);
      return;
    }
    const found = this.validator.for(table);
    if ('problem' in found) {
      for (const i of items) context.fail(i.record, IngestErrorReason.TARGET_MISSING, found.problem);
      return;
    }
    const good: RowCandidate<ConsumedRecord>[] = [];
    for (const item of items) {
      const verdict = found.validator.check((item.value as { parsed: unknown }).parsed);
      if (verdict.ok) good.push({ ref: item.record, row: verdict.row });
      else context.fail(item.record, IngestErrorReason.INVALID_RECORD, verdict.message);
    }
    const written = await writeRows(tx, table, found.validator, good, (record, reason, message) => context.fail(record, reason, message));
    const replayed = written.map((r) => headerString(r.headers, REPLAY_OF_HEADER)).filter((h): h is string => h !== null && /^\d{1,19}$/.test(h));
    if (replayed.length > 0) {
      await tx.query(`UPDATE ingest_errors SET resolved_at = now() WHERE source = 'sink' AND source_id = $1 AND id = ANY($2::bigint[]) AND resolved_at IS NULL`, [this.sink.id, replayed]);
    }
    this.onApplied(this.sink.id, written.length);
  }
}

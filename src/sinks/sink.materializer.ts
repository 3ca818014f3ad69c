// The rows of one sink, from its topic: a shared-mode runner surface (partitions
// split across nodes) whose state is the sink's Postgres table. Per batch, in the
// runner's transaction (rows, ingest_errors and offsets commit together):
//   1. read the table definition (a column added on any node is seen by the next batch);
//   2. validate every record as the HTTP path does (a Kafka producer may have written
//      it directly); a bad one is filed with the field and the rule;
//   3. keep the last record per id (log order: "latest wins"; Postgres refuses to
//      update one row twice in a statement) and upsert them with multi-row
//      INSERT … ON CONFLICT (id) DO UPDATE;
//   4. if Postgres refuses a statement (a constraint, a value out of numeric range),
//      roll back to a savepoint and write record by record in log order, filing the
//      ones it refuses with Postgres's message: one bad record never holds up the rest;
//   5. mark replayed ingest errors whose copy is now a row.

import type { EntityManager } from 'typeorm';
import { IngestErrorReason } from '../common/errors';
import { quoteIdentifier, sinkTableIdentifier } from '../database/sql-identifier';
import { ConsumedRecord, DecodeFailure, headerString } from '../log/envelope';
import { Topics } from '../log/topics';
import type { ApplyContext, Decoded, MaterializerSurface } from '../materialize/materializer';
import { RecordValidator, SinkRow } from './record-validator';
import { SinkDefinition, TableDefinition, isMapping, resolveMapping } from './sink-definition';

/** Set on a record re-appended by POST /v2/sinks/{id}/errors/replay: the ingest_errors id it copies. */
export const REPLAY_OF_HEADER = 'intake-replay-of';
/** Postgres takes at most 65,535 bind parameters per statement. */
const PARAMS_PER_STATEMENT_MAX = 60_000;

export interface SinkApplyListener {
  (sinkId: string, rows: number): void;
}

export class SinkMaterializer implements MaterializerSurface<unknown> {
  readonly surface = 'sink' as const;
  readonly mode = 'shared' as const;
  readonly topic: string;
  private validator: { version: number; validator: RecordValidator | null; problem: string | null } | null = null;

  constructor(
    readonly sink: SinkDefinition,
    private readonly onApplied: SinkApplyListener = () => undefined,
  ) {
    this.topic = Topics.sink(sink.id);
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
    const [tableRow] = await tx.query(`SELECT name, description, columns, version, created_at FROM sink_tables WHERE name = $1`, [this.sink.table]);
    if (!tableRow) {
      for (const i of items) context.fail(i.record, IngestErrorReason.TARGET_MISSING, `table '${this.sink.table}' does not exist`);
      return;
    }
    const table: TableDefinition = { ...tableRow, createdAt: tableRow.created_at };
    const validator = this.validatorFor(table);
    if (validator === null) {
      for (const i of items) context.fail(i.record, IngestErrorReason.TARGET_MISSING, this.validator!.problem!);
      return;
    }
    const good: { record: ConsumedRecord; row: SinkRow }[] = [];
    for (const item of items) {
      const verdict = validator.check((item.value as { parsed: unknown }).parsed);
      if (verdict.ok) good.push({ record: item.record, row: verdict.row });
      else context.fail(item.record, IngestErrorReason.INVALID_RECORD, verdict.message);
    }
    if (good.length === 0) return;
    const latest = new Map<string, { record: ConsumedRecord; row: SinkRow }>();
    for (const g of good) {
      latest.delete(g.row.key);
      latest.set(g.row.key, g);
    }
    const written: ConsumedRecord[] = [];
    await tx.query('SAVEPOINT sink_batch');
    try {
      await this.upsert(tx, table, validator, [...latest.values()].map((g) => g.row));
      await tx.query('RELEASE SAVEPOINT sink_batch');
      written.push(...good.map((g) => g.record));
    } catch (batchError) {
      await tx.query('ROLLBACK TO SAVEPOINT sink_batch');
      for (const g of good) {
        await tx.query('SAVEPOINT sink_row');
        try {
          await this.upsert(tx, table, validator, [g.row]);
          await tx.query('RELEASE SAVEPOINT sink_row');
          written.push(g.record);
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT sink_row');
          const code = (err as { driverError?: { code?: string } }).driverError?.code;
          const reason = code === '42P01' || code === '42703' ? IngestErrorReason.TARGET_MISSING : IngestErrorReason.INVALID_RECORD;
          context.fail(g.record, reason, `Postgres refused the row: ${(err as Error).message}`);
        }
      }
    }
    const replayed = written.map((r) => headerString(r.headers, REPLAY_OF_HEADER)).filter((h): h is string => h !== null && /^\d{1,19}$/.test(h));
    if (replayed.length > 0) {
      await tx.query(`UPDATE ingest_errors SET resolved_at = now() WHERE source = 'sink' AND source_id = $1 AND id = ANY($2::bigint[]) AND resolved_at IS NULL`, [this.sink.id, replayed]);
    }
    this.onApplied(this.sink.id, written.length);
  }

  private validatorFor(table: TableDefinition): RecordValidator | null {
    if (this.validator?.version !== table.version) {
      const mapping = resolveMapping(this.sink, table);
      this.validator = isMapping(mapping)
        ? { version: table.version, validator: new RecordValidator(mapping, this.sink.allowMissingFields), problem: null }
        : { version: table.version, validator: null, problem: `sink ${this.sink.id}: ${mapping.field} ${mapping.rule}` };
    }
    return this.validator.validator;
  }

  private async upsert(tx: EntityManager, table: TableDefinition, validator: RecordValidator, rows: SinkRow[]): Promise<void> {
    const columns = [validator.mapping.idColumn, ...validator.columns];
    const names = columns.map((c) => quoteIdentifier(c.name));
    const casts = columns.map((c) => (c.type === 'json' ? '::jsonb' : ''));
    const updates = names.slice(1).map((n) => `${n} = EXCLUDED.${n}`);
    const conflict = updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
    const perStatement = Math.max(1, Math.floor(PARAMS_PER_STATEMENT_MAX / columns.length));
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      const params: unknown[] = [];
      const tuples = chunk.map((r) => {
        const base = params.length;
        params.push(r.id, ...r.values);
        return `(${columns.map((_, k) => `$${base + k + 1}${casts[k]}`).join(', ')})`;
      });
      await tx.query(
        `INSERT INTO ${sinkTableIdentifier(table.name)} (${names.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${names[0]}) ${conflict}`,
        params,
      );
    }
  }
}

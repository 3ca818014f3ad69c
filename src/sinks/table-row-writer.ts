// Writing validated rows into a sink table inside a caller's transaction: shared by
// the sink materializer and the streams' `table` destination, so both keep the same
// rules:
//   - the last row per id in log order wins (Postgres refuses to update one row twice
//     in a statement), upserted with multi-row INSERT … ON CONFLICT (id) DO UPDATE;
//   - if Postgres refuses a statement (a constraint, a value out of numeric range),
//     roll back to a savepoint and write row by row in log order, reporting the ones
//     it refuses with Postgres's message: one bad row never holds up the rest.

import type { EntityManager } from 'typeorm';
import { IngestErrorReason } from '../common/errors';
import { quoteIdentifier, sinkTableIdentifier } from '../database/sql-identifier';
import { RecordValidator, SinkRow } from './record-validator';
import { isMapping, resolveMapping, SinkDefinition, TableDefinition } from './sink-definition';

/** Postgres takes at most 65,535 bind parameters per statement. */
const PARAMS_PER_STATEMENT_MAX = 60_000;

export interface RowCandidate<R> {
  ref: R;
  row: SinkRow;
}

export type RowRefusal = (ref: unknown, reason: IngestErrorReason, message: string) => void;

/** The table's definition as a transaction sees it now, or null when it was dropped. */
export async function readTable(tx: EntityManager, name: string): Promise<TableDefinition | null> {
  const [row] = await tx.query(`SELECT name, description, columns, version, created_at FROM sink_tables WHERE name = $1`, [name]);
  return row ? { ...row, createdAt: row.created_at } : null;
}

/** One mapping's validator, rebuilt only when the table's version changes. */
export class CachedRecordValidator {
  private cached: { version: number; validator: RecordValidator | null; problem: string | null } | null = null;

  constructor(
    private readonly mapping: Pick<SinkDefinition, 'fields' | 'idPath' | 'allowMissingFields'>,
    private readonly label: string,
  ) {}

  /** The validator for this version of the table, or a problem naming the field and rule. */
  for(table: TableDefinition): { validator: RecordValidator } | { problem: string } {
    if (this.cached?.version !== table.version) {
      const resolved = resolveMapping(this.mapping, table);
      this.cached = isMapping(resolved)
        ? { version: table.version, validator: new RecordValidator(resolved, this.mapping.allowMissingFields), problem: null }
        : { version: table.version, validator: null, problem: `${this.label}: ${resolved.field} ${resolved.rule}` };
    }
    return this.cached.validator ? { validator: this.cached.validator } : { problem: this.cached.problem! };
  }
}

/** Upserts the candidates; returns the refs written, in order; refused ones go to `refuse`. */
export async function writeRows<R>(
  tx: EntityManager,
  table: TableDefinition,
  validator: RecordValidator,
  candidates: RowCandidate<R>[],
  refuse: (ref: R, reason: IngestErrorReason, message: string) => void,
): Promise<R[]> {
  if (candidates.length === 0) return [];
  const latest = new Map<string, RowCandidate<R>>();
  for (const c of candidates) {
    latest.delete(c.row.key);
    latest.set(c.row.key, c);
  }
  await tx.query('SAVEPOINT table_rows');
  try {
    await upsert(tx, table, validator, [...latest.values()].map((c) => c.row));
    await tx.query('RELEASE SAVEPOINT table_rows');
    return candidates.map((c) => c.ref);
  } catch {
    await tx.query('ROLLBACK TO SAVEPOINT table_rows');
  }
  const written: R[] = [];
  for (const c of candidates) {
    await tx.query('SAVEPOINT table_row');
    try {
      await upsert(tx, table, validator, [c.row]);
      await tx.query('RELEASE SAVEPOINT table_row');
      written.push(c.ref);
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT table_row');
      const code = (err as { driverError?: { code?: string } }).driverError?.code;
      const reason = code === '42P01' || code === '42703' ? IngestErrorReason.TARGET_MISSING : IngestErrorReason.INVALID_RECORD;
      refuse(c.ref, reason, `Postgres refused the row: ${(err as Error).message}`);
    }
  }
  return written;
}

async function upsert(tx: EntityManager, table: TableDefinition, validator: RecordValidator, rows: SinkRow[]): Promise<void> {
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

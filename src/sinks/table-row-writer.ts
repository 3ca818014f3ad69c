// Writing validated rows into a sink table inside a caller's transaction: shared by
// the sink materializer and the streams' `table` destination, so both keep the same
// rules:
//   - the last row per id in log order wins (Postgres refuses to update one row twice
//     in a statement), upserted with INSERT … SELECT FROM unnest(one array per column)
//     ON CONFLICT (id) DO UPDATE;
//   - if Postgres refuses a statement (a constraint, a value out of numeric range),
//     roll back to a savepoint and write row by row in log order, reporting the ones
//     it refuses with Postgres's message: one bad row never holds up the rest.

import type { EntityManager } from 'typeorm';
import { IngestErrorReason } from '../common/errors';
import { quoteIdentifier, sinkTableIdentifier } from '../database/sql-identifier';
import { ColumnDef, pgType } from './column-types';
import { RecordValidator, SinkRow } from './record-validator';
import { isMapping, resolveMapping, SinkDefinition, TableDefinition } from './sink-definition';

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

/**
 * One statement per chunk whatever its row count: one array parameter per column,
 * unnested into rows. Postgres parses and plans a few array parameters far faster than
 * a VALUES list of rows × columns parameters (measured: about a third of the server
 * CPU per row), and the statement text is made once per table version.
 */
async function upsert(tx: EntityManager, table: TableDefinition, validator: RecordValidator, rows: SinkRow[]): Promise<void> {
  const statement = upsertStatement(table, validator);
  const columns = statement.columns;
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT_MAX) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT_MAX);
    // Each column's array goes as the text of its literal, built here: pg's own array
    // serializer runs two regular expressions per element.
    const literals = columns.map((c, k) => {
      const set = isSetColumn(c);
      let text = '{';
      for (let r = 0; r < chunk.length; r++) {
        const v = k === 0 ? chunk[r].id : chunk[r].values[k - 1];
        if (r > 0) text += ',';
        text += v === null || v === undefined ? 'NULL' : element(set ? arrayLiteral(v as (string | number)[]) : v);
      }
      return `${text}}`;
    });
    await tx.query(statement.sql, literals);
  }
}

/** Rows per statement: bounds the size of one array parameter, not the parameter count. */
const ROWS_PER_STATEMENT_MAX = 10_000;
const statements = new WeakMap<RecordValidator, { table: string; sql: string; columns: ColumnDef[] }>();

function upsertStatement(table: TableDefinition, validator: RecordValidator): { sql: string; columns: ColumnDef[] } {
  const cached = statements.get(validator);
  if (cached && cached.table === table.name) return cached;
  const columns = [validator.mapping.idColumn, ...validator.columns];
  const names = columns.map((c) => quoteIdentifier(c.name));
  // A set column travels as the text of its array literal (unnest would flatten an array of arrays).
  const params = columns.map((c, k) => `$${k + 1}::${isSetColumn(c) || c.type === 'json' ? 'text' : elementType(c)}[]`);
  const selected = columns.map((c, k) => (isSetColumn(c) || c.type === 'json' ? `u.c${k}::${pgType(c)}` : `u.c${k}`));
  const updates = names.slice(1).map((n) => `${n} = EXCLUDED.${n}`);
  const conflict = updates.length > 0 ? `DO UPDATE SET ${updates.join(', ')}` : 'DO NOTHING';
  const sql =
    `INSERT INTO ${sinkTableIdentifier(table.name)} (${names.join(', ')}) ` +
    `SELECT ${selected.join(', ')} FROM unnest(${params.join(', ')}) AS u(${columns.map((_, k) => `c${k}`).join(', ')}) ` +
    `ON CONFLICT (${names[0]}) ${conflict}`;
  const made = { table: table.name, sql, columns };
  statements.set(validator, made);
  return made;
}

function isSetColumn(c: ColumnDef): boolean {
  return c.type === 'stringset' || c.type === 'idset';
}

/** The array element type of a scalar column: its Postgres type without a typmod (numeric(38, 2) → numeric). */
function elementType(c: ColumnDef): string {
  return pgType(c).replace(/\(.*\)$/, '');
}

/** A Postgres array literal of strings or integers: `{"a","b\\"c"}`, `{1,2}`. */
function arrayLiteral(items: (string | number)[]): string {
  return `{${items.map(element).join(',')}}`;
}

/** One element of an array literal: a number or boolean as is, anything else as a quoted string. */
function element(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  return s.includes('"') || s.includes('\\') ? `"${s.replace(/[\\"]/g, '\\$&')}"` : `"${s}"`;
}

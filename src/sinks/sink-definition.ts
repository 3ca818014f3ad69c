// What a sink is: which table it fills and where each column's value is found in a
// record's JSON (`path` walks nested objects). Resolved against the table's current
// columns each time it is used, so a column added to the table is seen at once by a
// sink that maps columns by name.

import type { ResourceRateLimit } from '../auth/resource-rate-limiter';
import type { ColumnDef } from './column-types';

export interface SinkField {
  column: string;
  path: string[];
}

export interface SinkDefinition {
  id: string;
  table: string;
  /** null: every column but the id is read from the top-level key of its own name, and other keys are refused. */
  fields: SinkField[] | null;
  /** Where the row id is in a record's value. */
  idPath: string[];
  allowMissingFields: boolean;
  partitions: number;
  /** Limits on this sink's ingest, per node, on top of the token's. */
  rateLimit?: ResourceRateLimit | null;
}

export interface TableDefinition {
  name: string;
  description: string | null;
  columns: ColumnDef[];
  version: number;
  createdAt: Date;
}

export interface ResolvedField {
  column: ColumnDef;
  path: string[];
}

export interface SinkMapping {
  idColumn: ColumnDef;
  idPath: string[];
  /** Non-id columns in table order, each with its path. */
  fields: ResolvedField[];
  /** Top-level keys a record may carry; null: any. */
  allowedTopLevel: Set<string> | null;
}

export function idColumnOf(table: TableDefinition): ColumnDef {
  const id = table.columns.find((c) => c.type === 'id');
  // Table creation refuses a table without exactly one id column.
  if (!id) throw new Error(`table ${table.name} has no id column`);
  return id;
}

/** The sink's fields against the table as it is now; a problem names the field and the rule. */
export function resolveMapping(sink: Pick<SinkDefinition, 'fields' | 'idPath'>, table: TableDefinition): SinkMapping | { field: string; rule: string } {
  const idColumn = idColumnOf(table);
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  if (sink.fields === null) {
    const fields = table.columns.filter((c) => c.type !== 'id').map((c) => ({ column: c, path: [c.name] }));
    if (fields.some((f) => f.column.name === sink.idPath[0]) && sink.idPath.length === 1) {
      return { field: 'id_field', rule: `names the column '${sink.idPath[0]}', which is not the table's id column` };
    }
    return { idColumn, idPath: sink.idPath, fields, allowedTopLevel: new Set([sink.idPath[0], ...fields.map((f) => f.column.name)]) };
  }
  const fields: ResolvedField[] = [];
  const seen = new Set<string>();
  for (const [i, f] of sink.fields.entries()) {
    const column = byName.get(f.column);
    if (!column) return { field: `fields[${i}].column`, rule: `names no column of table ${table.name}` };
    if (column.type === 'id') return { field: `fields[${i}].column`, rule: 'is the id column, which id_field maps' };
    if (seen.has(f.column)) return { field: `fields[${i}].column`, rule: 'maps a column that another field maps too' };
    seen.add(f.column);
    fields.push({ column, path: f.path });
  }
  const paths = [sink.idPath, ...fields.map((f) => f.path)];
  for (const [i, a] of paths.entries()) {
    for (const [j, b] of paths.entries()) {
      if (i !== j && a.length <= b.length && a.every((s, k) => s === b[k])) {
        return { field: i === 0 ? 'id_field' : `fields[${i - 1}].path`, rule: `is ${a.length === b.length ? 'the same path as' : 'a prefix of'} another field's path` };
      }
    }
  }
  return { idColumn, idPath: sink.idPath, fields, allowedTopLevel: null };
}

export function isMapping(m: SinkMapping | { field: string; rule: string }): m is SinkMapping {
  return 'idColumn' in m;
}

// Sink tables (FeatureBase Cloud's /v2/tables): definitions with typed columns, each
// a real Postgres table in the `intake_tables` schema, and reading rows back.

import { Injectable } from '@nestjs/common';
import { Errors } from '../common/errors';
import { ColumnDef, columnDefProblem, fromRow, INT_ABS_MAX } from './column-types';
import type { CreateTableInput, RowsQuery } from './dto/sink-requests';
import { ROWS_LIMIT_MAX } from './dto/sink-requests';
import { idColumnOf, TableDefinition } from './sink-definition';
import { SinkTablesRepository } from './sink-tables.repository';
import { SinkDefinitionCache } from './sink-definition.cache';

export const ROWS_LIMIT_DEFAULT = 100;

export function tableView(t: TableDefinition) {
  return { name: t.name, description: t.description, columns: t.columns, created_at: t.createdAt.toISOString() };
}

export function rowView(t: TableDefinition, row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(t.columns.map((c) => [c.name, fromRow(c, row[c.name])]));
}

@Injectable()
export class TablesService {
  constructor(
    private readonly repo: SinkTablesRepository,
    private readonly cache: SinkDefinitionCache,
  ) {}

  async create(input: CreateTableInput) {
    const ids = input.columns.filter((c) => c.type === 'id');
    if (ids.length !== 1) throw Errors.validation('columns', `must hold exactly one column of type id, got ${ids.length}`);
    const names = new Set<string>();
    for (const [i, c] of input.columns.entries()) {
      if (names.has(c.name)) throw Errors.validation(`columns[${i}].name`, `'${c.name}' is used by an earlier column`);
      names.add(c.name);
      checkColumn(c, `columns[${i}]`);
    }
    return tableView(await this.repo.createTable(input.name, input.description ?? null, input.columns));
  }

  async list() {
    return { tables: (await this.repo.listTables()).map(tableView) };
  }

  async get(name: string) {
    return tableView(await this.table(name));
  }

  async table(name: string): Promise<TableDefinition> {
    const t = await this.repo.getTable(name);
    if (!t) throw Errors.notFound('table', name);
    return t;
  }

  async delete(name: string): Promise<void> {
    await this.repo.deleteTable(name);
    this.cache.invalidateTable(name);
  }

  async addColumn(table: string, column: ColumnDef) {
    if (column.type === 'id') throw Errors.validation('type', 'a table has exactly one id column, made with the table');
    checkColumn(column, '');
    const updated = await this.repo.addColumn(table, column);
    this.cache.invalidateTable(table);
    return tableView(updated);
  }

  async rows(name: string, q: RowsQuery) {
    const t = await this.table(name);
    const limit = q.limit === undefined ? ROWS_LIMIT_DEFAULT : Number(q.limit);
    if (limit > ROWS_LIMIT_MAX) throw Errors.validation('limit', `must be an integer in [1, ${ROWS_LIMIT_MAX}]`);
    const idColumn = idColumnOf(t);
    const after = q.after === undefined ? undefined : parseId(idColumn, q.after, 'after');
    const rows = (await this.repo.rows(t, limit + 1, after)).map((r) => rowView(t, r));
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    return { rows: page, next: more ? String(page[page.length - 1][idColumn.name]) : null };
  }

  async row(name: string, id: string) {
    const t = await this.table(name);
    const row = await this.repo.row(t, parseId(idColumnOf(t), id, 'id'));
    if (!row) throw Errors.notFound('row', id);
    return rowView(t, row);
  }
}

function checkColumn(c: ColumnDef, at: string): void {
  const problem = columnDefProblem(c);
  if (problem) throw Errors.validation(at ? `${at}.${problem.field}` : problem.field, problem.rule);
}

/** An id from a URL: text as is, or an integer for int-id tables. */
function parseId(idColumn: ColumnDef, raw: string, field: string): string | number {
  if (idColumn.id_type !== 'int') return raw;
  if (!/^\d{1,16}$/.test(raw) || Number(raw) > INT_ABS_MAX) throw Errors.validation(field, `must be a non-negative integer ≤ ${INT_ABS_MAX} (the table's ids are integers)`);
  return Number(raw);
}

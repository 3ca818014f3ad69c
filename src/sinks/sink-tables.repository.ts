// Sink tables and sinks in Postgres: the definitions (sink_tables, sinks) and the
// tables themselves, created, altered and dropped in the same transaction as their
// definition row (Postgres DDL is transactional), so the two never disagree. Every
// user-chosen name reaches SQL only through quoteIdentifier / sinkTableIdentifier.

import { DataSource, EntityManager } from 'typeorm';
import { Errors } from '../common/errors';
import { isUniqueViolation } from '../database/insert-unique';
import { quoteIdentifier, sinkTableIdentifier } from '../database/sql-identifier';
import { ColumnDef, pgType } from './column-types';
import type { SinkDefinition, TableDefinition } from './sink-definition';

interface TableRow {
  name: string;
  description: string | null;
  columns: ColumnDef[];
  version: number;
  created_at: Date;
}

interface SinkRow {
  id: string;
  table_name: string;
  definition: { fields: SinkDefinition['fields']; id_path: string[]; allow_missing_fields: boolean; rate_limit?: SinkDefinition['rateLimit'] };
  partitions: number;
  state: string;
  created_at: Date;
}

export interface StoredSink extends SinkDefinition {
  state: 'ACTIVE';
  createdAt: Date;
}

const toTable = (r: TableRow): TableDefinition => ({ name: r.name, description: r.description, columns: r.columns, version: r.version, createdAt: r.created_at });
const toSink = (r: SinkRow): StoredSink => ({
  id: r.id,
  table: r.table_name,
  fields: r.definition.fields,
  idPath: r.definition.id_path,
  allowMissingFields: r.definition.allow_missing_fields,
  rateLimit: r.definition.rate_limit ?? null,
  partitions: r.partitions,
  state: 'ACTIVE',
  createdAt: r.created_at,
});

/** pg through TypeORM answers an UPDATE or DELETE … RETURNING as [rows, count], an INSERT or SELECT as rows. */
export function returned<T = unknown>(result: unknown): T[] {
  const r = result as unknown[];
  return r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number' ? (r[0] as T[]) : (r as T[]);
}

export class SinkTablesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async createTable(name: string, description: string | null, columns: ColumnDef[]): Promise<TableDefinition> {
    try {
      return await this.dataSource.transaction(async (tx) => {
        const [row] = await tx.query(
          `INSERT INTO sink_tables (name, description, columns) VALUES ($1, $2, $3::jsonb) RETURNING *`,
          [name, description, JSON.stringify(columns)],
        );
        const defs = columns.map((c) => `${quoteIdentifier(c.name)} ${pgType(c)}${c.type === 'id' ? ' PRIMARY KEY' : ''}`);
        await tx.query(`CREATE TABLE ${sinkTableIdentifier(name)} (${defs.join(', ')})`);
        return toTable(row);
      });
    } catch (err) {
      // A leftover table of that name without a definition row is also "taken" (42P07: duplicate_table).
      if (isUniqueViolation(err) || (err as { driverError?: { code?: string } }).driverError?.code === '42P07') throw Errors.conflict('table', name);
      throw err;
    }
  }

  async getTable(name: string, manager?: EntityManager): Promise<TableDefinition | null> {
    const [row] = await (manager ?? this.dataSource.manager).query(`SELECT * FROM sink_tables WHERE name = $1`, [name]);
    return row ? toTable(row) : null;
  }

  async listTables(): Promise<TableDefinition[]> {
    return (await this.dataSource.query(`SELECT * FROM sink_tables ORDER BY name`)).map(toTable);
  }

  /** Adds a column; the definition row is locked so two additions cannot interleave. */
  async addColumn(table: string, column: ColumnDef): Promise<TableDefinition> {
    return this.dataSource.transaction(async (tx) => {
      const [row] = await tx.query(`SELECT * FROM sink_tables WHERE name = $1 FOR UPDATE`, [table]);
      if (!row) throw Errors.notFound('table', table);
      const columns = (row as TableRow).columns;
      if (columns.some((c) => c.name === column.name)) throw Errors.conflict('column', column.name);
      await tx.query(`ALTER TABLE ${sinkTableIdentifier(table)} ADD COLUMN ${quoteIdentifier(column.name)} ${pgType(column)}`);
      const [updated] = returned<TableRow>(await tx.query(
        `UPDATE sink_tables SET columns = $2::jsonb, version = version + 1 WHERE name = $1 RETURNING *`,
        [table, JSON.stringify([...columns, column])],
      ));
      return toTable(updated);
    });
  }

  async deleteTable(name: string): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      const [row] = await tx.query(`SELECT name FROM sink_tables WHERE name = $1 FOR UPDATE`, [name]);
      if (!row) throw Errors.notFound('table', name);
      const users: { id: string }[] = await tx.query(`SELECT id FROM sinks WHERE table_name = $1 ORDER BY id`, [name]);
      if (users.length > 0) {
        throw Errors.invalidState(`table '${name}' is written by sink(s) ${users.map((u) => u.id).join(', ')}; delete them first`, { sinks: users.map((u) => u.id) });
      }
      await tx.query(`DROP TABLE IF EXISTS ${sinkTableIdentifier(name)}`);
      await tx.query(`DELETE FROM sink_tables WHERE name = $1`, [name]);
    });
  }

  async createSink(sink: SinkDefinition): Promise<StoredSink> {
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO sinks (id, table_name, definition, partitions, state) VALUES ($1, $2, $3::jsonb, $4, 'ACTIVE') RETURNING *`,
        [sink.id, sink.table, JSON.stringify({ fields: sink.fields, id_path: sink.idPath, allow_missing_fields: sink.allowMissingFields, rate_limit: sink.rateLimit ?? null }), sink.partitions],
      );
      return toSink(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw Errors.conflict('sink', sink.id);
      throw err;
    }
  }

  async getSink(id: string): Promise<StoredSink | null> {
    const [row] = await this.dataSource.query(`SELECT * FROM sinks WHERE id = $1`, [id]);
    return row ? toSink(row) : null;
  }

  async listSinks(): Promise<StoredSink[]> {
    return (await this.dataSource.query(`SELECT * FROM sinks ORDER BY id`)).map(toSink);
  }

  /** Removes the sink and its stored offsets; its errors and metrics stay for inspection. */
  async deleteSink(id: string, materializer: string): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const rows = returned(await tx.query(`DELETE FROM sinks WHERE id = $1 RETURNING id`, [id]));
      await tx.query(`DELETE FROM materializer_offsets WHERE materializer = $1`, [materializer]);
      return rows.length > 0;
    });
  }

  /** Rows in id order after `after` (keyset), at most `limit`. */
  async rows(table: TableDefinition, limit: number, after: string | number | undefined): Promise<Record<string, unknown>[]> {
    const id = quoteIdentifier(table.columns.find((c) => c.type === 'id')!.name);
    const cols = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
    return after === undefined
      ? this.dataSource.query(`SELECT ${cols} FROM ${sinkTableIdentifier(table.name)} ORDER BY ${id} LIMIT $1`, [limit])
      : this.dataSource.query(`SELECT ${cols} FROM ${sinkTableIdentifier(table.name)} WHERE ${id} > $2 ORDER BY ${id} LIMIT $1`, [limit, after]);
  }

  async row(table: TableDefinition, idValue: string | number): Promise<Record<string, unknown> | null> {
    const id = quoteIdentifier(table.columns.find((c) => c.type === 'id')!.name);
    const cols = table.columns.map((c) => quoteIdentifier(c.name)).join(', ');
    const [row] = await this.dataSource.query(`SELECT ${cols} FROM ${sinkTableIdentifier(table.name)} WHERE ${id} = $1`, [idValue]);
    return row ?? null;
  }
}

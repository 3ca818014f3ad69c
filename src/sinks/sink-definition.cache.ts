// What the HTTP ingest path needs per request — the sink, its table and the
// compiled record validator — cached for CACHE_TTL_MS. A change made on this node
// (a column added, a sink deleted) drops the entry at once; one made on another
// node is seen within CACHE_TTL_MS. The materializer does not use this cache: it
// re-reads the table in each batch's transaction.

import { Injectable } from '@nestjs/common';
import { Errors } from '../common/errors';
import { RecordValidator } from './record-validator';
import { SinkDefinition, TableDefinition, isMapping, resolveMapping } from './sink-definition';
import { SinkTablesRepository, StoredSink } from './sink-tables.repository';

export const CACHE_TTL_MS = 1_000;
/** Sinks cached at once; the oldest entry goes first beyond it. */
export const CACHED_SINKS_MAX = 10_000;

export interface ResolvedSink {
  sink: StoredSink;
  table: TableDefinition;
  validator: RecordValidator;
}

@Injectable()
export class SinkDefinitionCache {
  private readonly entries = new Map<string, { atMs: number; value: ResolvedSink }>();
  /** Validators by sink id and table version: recompiled only when the table changed. */
  private readonly validators = new Map<string, { version: number; validator: RecordValidator }>();

  constructor(private readonly repo: SinkTablesRepository) {}

  /** The sink with its table and validator; 404 when there is no such sink. */
  async get(id: string): Promise<ResolvedSink> {
    const hit = this.entries.get(id);
    if (hit && Date.now() - hit.atMs < CACHE_TTL_MS) return hit.value;
    const sink = await this.repo.getSink(id);
    if (!sink) {
      this.entries.delete(id);
      throw Errors.notFound('sink', id);
    }
    const table = await this.repo.getTable(sink.table);
    if (!table) throw Errors.invalidState(`sink '${id}' writes table '${sink.table}', which no longer exists`);
    const value = { sink, table, validator: this.validatorFor(sink, table) };
    if (this.entries.size >= CACHED_SINKS_MAX) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(id, { atMs: Date.now(), value });
    return value;
  }

  validatorFor(sink: SinkDefinition, table: TableDefinition): RecordValidator {
    const cached = this.validators.get(sink.id);
    if (cached && cached.version === table.version) return cached.validator;
    const mapping = resolveMapping(sink, table);
    if (!isMapping(mapping)) throw Errors.invalidState(`sink '${sink.id}': ${mapping.field} ${mapping.rule}`);
    const validator = new RecordValidator(mapping, sink.allowMissingFields);
    this.validators.set(sink.id, { version: table.version, validator });
    return validator;
  }

  invalidateSink(id: string): void {
    this.entries.delete(id);
    this.validators.delete(id);
  }

  invalidateTable(name: string): void {
    for (const [id, e] of this.entries) if (e.value.table.name === name) this.entries.delete(id);
  }
}

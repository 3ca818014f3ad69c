// Sinks (seed 002): create/list/get/delete, and the ingest endpoint. Per request:
// validate each record against the table through the sink's paths, append the valid
// ones to the sink's topic (the id decides the partition, so an id's records stay in
// order; a partition's records of one request travel as one batch message, see
// sink-topic-format.ts), answer the seed's per-record statuses once they are durable
// in the log, or (?wait=applied) once they are rows.

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ResourceRateLimiter } from '../auth/resource-rate-limiter';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Errors } from '../common/errors';
import { isObject } from '../common/request-schema';
import { LogClient } from '../log/log-client';
import { Topics } from '../log/topics';
import type { CreateSinkInput, IngestInput, IngestQuery } from './dto/sink-requests';
import { SINK_PARTITIONS_DEFAULT } from './dto/sink-requests';
import { isMapping, resolveMapping } from './sink-definition';
import { SinkDefinitionCache } from './sink-definition.cache';
import { SinkMetricsAggregator } from './sink-metrics';
import { SinkTablesRepository, StoredSink } from './sink-tables.repository';
import { SinkRegistry, sinkMaterializerName } from './sink.registry';
import { AcceptedRecord, toAppends } from './sink-topic-format';

/** The seed's per-record error code for a record that fails validation. */
export const INVALID_BODY = 'InvalidBody';
/** How often ?wait=applied looks at the stored offsets of partitions another node applies. */
const APPLIED_POLL_MS = 50;

export type RecordStatus = { status: 'success' } | { status: 'error'; error_code: string; error_message: string };

export interface IngestResult {
  success_count: number;
  error_count: number;
  records: RecordStatus[];
}

export function sinkView(s: StoredSink) {
  return {
    id: s.id,
    name: s.id,
    table: s.table,
    fields: s.fields,
    id_field: s.idPath.length === 1 ? s.idPath[0] : s.idPath,
    allow_missing_fields: s.allowMissingFields,
    partitions: s.partitions,
    rate_limit: s.rateLimit ?? null,
    topic: Topics.sink(s.id),
    state: s.state,
    created_at: s.createdAt.toISOString(),
  };
}

@Injectable()
export class SinksService {
  private readonly limits = new ResourceRateLimiter();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly log: LogClient,
    private readonly repo: SinkTablesRepository,
    private readonly registry: SinkRegistry,
    private readonly cache: SinkDefinitionCache,
    private readonly metrics: SinkMetricsAggregator,
  ) {}

  async create(input: CreateSinkInput) {
    const table = await this.repo.getTable(input.table);
    if (!table) throw Errors.notFound('table', input.table);
    const definition = {
      id: input.name,
      table: input.table,
      fields: input.fields ?? null,
      idPath: typeof input.id_field === 'string' ? [input.id_field] : input.id_field,
      allowMissingFields: input.allow_missing_fields ?? false,
      partitions: input.partitions ?? SINK_PARTITIONS_DEFAULT,
      rateLimit: input.rate_limit ?? null,
    };
    const mapping = resolveMapping(definition, table);
    if (!isMapping(mapping)) throw Errors.validation(mapping.field, mapping.rule);
    const stored = await this.repo.createSink(definition);
    await this.registry.open(stored);
    return sinkView(stored);
  }

  async list() {
    return { sinks: (await this.repo.listSinks()).map(sinkView) };
  }

  async get(id: string) {
    const s = await this.repo.getSink(id);
    if (!s) throw Errors.notFound('sink', id);
    return sinkView(s);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repo.getSink(id))) throw Errors.notFound('sink', id);
    await this.registry.close(id);
    await this.log.deleteTopic(Topics.sink(id));
    await this.repo.deleteSink(id, sinkMaterializerName(id));
    this.cache.invalidateSink(id);
  }

  async ingest(id: string, input: IngestInput, query: IngestQuery, requestBytes = 0): Promise<IngestResult> {
    const startedAtMs = Date.now();
    const recordsMax = this.config.sinkLimits.recordsPerRequestMax;
    if (input.records.length > recordsMax) throw Errors.validation('records', `must hold at most ${recordsMax} records, got ${input.records.length}`);
    const { sink, validator } = await this.cache.get(id);
    // The sink's own limits (per node), on top of the token's: before anything is appended.
    this.limits.check('sink', sink.id, sink.id, sink.rateLimit, requestBytes);
    const topic = Topics.sink(id);
    const statuses: RecordStatus[] = new Array(input.records.length);
    const accepted: AcceptedRecord[] = [];
    for (const [i, record] of input.records.entries()) {
      if (!isObject(record) || !('value' in record)) {
        statuses[i] = { status: 'error', error_code: INVALID_BODY, error_message: `records[${i}]: must be an object {"value": {…}}` };
        continue;
      }
      const verdict = validator.check(record.value);
      if (!verdict.ok) {
        statuses[i] = { status: 'error', error_code: INVALID_BODY, error_message: verdict.message };
        continue;
      }
      statuses[i] = { status: 'success' };
      accepted.push({ key: verdict.row.key, json: JSON.stringify(record.value) });
    }
    const appended = accepted.length > 0 ? await this.log.append(topic, toAppends(topic, sink.partitions, accepted)) : [];
    this.metrics.recordRequest(id, accepted.length, input.records.length - accepted.length);
    if (query.wait === 'applied' && appended.length > 0) {
      const last = new Map<number, bigint>();
      for (const a of appended) if ((last.get(a.partition) ?? -1n) < a.offset) last.set(a.partition, a.offset);
      if (!(await this.waitApplied(sink, last, startedAtMs))) {
        throw Errors.unavailable(`write to sink ${id} is in the log but not yet applied after ${this.config.applyTimeoutMs} ms`, {
          offsets: Object.fromEntries([...last].map(([p, o]) => [p, o.toString()])),
        });
      }
    }
    return { success_count: accepted.length, error_count: input.records.length - accepted.length, records: statuses };
  }

  /**
   * True once every partition has applied through its offset. This node's runner
   * answers at once for the partitions it holds; the stored offsets in Postgres
   * answer for those another node holds (shared mode splits them).
   */
  async waitApplied(sink: StoredSink, last: Map<number, bigint>, startedAtMs: number): Promise<boolean> {
    const live = await this.registry.find(sink.id);
    const deadline = startedAtMs + this.config.applyTimeoutMs;
    const pending = new Map(last);
    let done = false;
    let localSettled = false;
    const local = live
      ? Promise.all([...last].map(([p, o]) => live.runner.applied.waitFor(p, o, this.config.applyTimeoutMs, startedAtMs).then((ok) => ok && pending.delete(p))))
      : Promise.resolve([]);
    void local.then(() => {
      localSettled = true;
      done = pending.size === 0;
    });
    // This node's runner first: Postgres is asked only once a tick has passed without it
    // answering (a partition another node holds), not on every call.
    for (;;) {
      if (done || pending.size === 0) return true;
      if (Date.now() > deadline) return false;
      const tick = new Promise((r) => setTimeout(r, Math.min(APPLIED_POLL_MS, Math.max(0, deadline - Date.now()))));
      await (localSettled ? tick : Promise.race([local, tick]));
      if (done || pending.size === 0) return true;
      const rows: { partition: number; next_offset: string }[] = await this.dataSource.query(
        `SELECT partition, next_offset FROM materializer_offsets WHERE materializer = $1 AND partition = ANY($2::int[])`,
        [sinkMaterializerName(sink.id), [...pending.keys()]],
      );
      for (const r of rows) if (BigInt(r.next_offset) > (pending.get(r.partition) ?? BigInt(Number.MAX_SAFE_INTEGER))) pending.delete(r.partition);
    }
  }
}

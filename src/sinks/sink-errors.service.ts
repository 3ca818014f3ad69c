// A sink's asynchronous errors (records that reached the log but did not become
// rows) and their replay, and the sink's per-minute metrics. Replay re-appends the
// stored payloads with an `intake-replay-of` header; the materializer marks an error
// resolved in the same transaction that writes its copy as a row.

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Errors } from '../common/errors';
import { IngestErrorRow, SourceErrorsRepository } from '../database/ingest-errors.repository';
import { AppendRecord, LogClient } from '../log/log-client';
import { partitionForKey } from '../log/partitioner';
import { Topics } from '../log/topics';
import type { ErrorsQuery, MetricsQuery, ReplayInput } from './dto/sink-requests';
import { ERRORS_LIMIT_MAX, REPLAY_IDS_MAX } from './dto/sink-requests';
import { SinkDefinitionCache } from './sink-definition.cache';
import { METRICS_RANGE_MINUTES_MAX } from '../observability/minute-buckets';
import { SinkMetricsAggregator } from './sink-metrics';
import { REPLAY_OF_HEADER } from './sink.materializer';
import { SinksService } from './sinks.service';

export const ERRORS_LIMIT_DEFAULT = 100;
export const METRICS_RANGE_MINUTES_DEFAULT = 60;

function errorView(e: IngestErrorRow) {
  const text = e.payload === null ? null : e.payload.toString('utf8');
  const utf8 = text !== null && Buffer.from(text, 'utf8').equals(e.payload!);
  return {
    id: String(e.id),
    sink_id: e.source_id,
    partition: e.partition,
    offset: String(e.offset),
    code: e.reason,
    message: e.message,
    key: e.record_key,
    part: e.record_part === '' ? null : e.record_part,
    payload: e.payload === null ? null : utf8 ? text : e.payload.toString('base64'),
    payload_encoding: e.payload === null ? null : utf8 ? 'utf8' : 'base64',
    headers: e.headers,
    created_at: e.created_at.toISOString(),
    replayed_at: e.replayed_at?.toISOString() ?? null,
    resolved_at: e.resolved_at?.toISOString() ?? null,
  };
}

@Injectable()
export class SinkErrorsService {
  private readonly errors: SourceErrorsRepository;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    dataSource: DataSource,
    private readonly log: LogClient,
    private readonly cache: SinkDefinitionCache,
    private readonly sinks: SinksService,
    private readonly metrics: SinkMetricsAggregator,
  ) {
    this.errors = new SourceErrorsRepository(dataSource);
  }

  async list(id: string, q: ErrorsQuery) {
    await this.cache.get(id);
    const limit = q.limit === undefined ? ERRORS_LIMIT_DEFAULT : Number(q.limit);
    if (limit > ERRORS_LIMIT_MAX) throw Errors.validation('limit', `must be an integer in [1, ${ERRORS_LIMIT_MAX}]`);
    const rows = await this.errors.list({ source: 'sink', sourceId: id, limit: limit + 1, beforeId: q.after, since: q.since === undefined ? undefined : new Date(q.since) });
    const page = rows.slice(0, limit);
    return { errors: page.map(errorView), next: rows.length > limit ? String(page[page.length - 1].id) : null };
  }

  async replay(id: string, input: ReplayInput) {
    const startedAtMs = Date.now();
    const { sink, validator } = await this.cache.get(id);
    const rows = await this.errors.list({
      source: 'sink',
      sourceId: id,
      limit: input.ids ? input.ids.length : REPLAY_IDS_MAX,
      ids: input.ids,
      since: input.since === undefined ? undefined : new Date(input.since),
      unresolvedOnly: true,
    });
    const topic = Topics.sink(id);
    const appends: AppendRecord[] = rows.reverse().map((e) => {
      // The partition of the id the value carries (as an HTTP write would pick); else of the stored key.
      let key = e.record_key ?? String(e.id);
      try {
        const verdict = validator.check(JSON.parse(e.payload?.toString('utf8') ?? 'null'));
        if (verdict.ok) key = verdict.row.key;
      } catch {
        /* not JSON: it will be filed again, with its reason */
      }
      return {
        key,
        value: e.payload,
        headers: { ...(e.headers ?? {}), [REPLAY_OF_HEADER]: String(e.id) },
        partition: partitionForKey(topic, key, sink.partitions),
      };
    });
    if (appends.length === 0) return { replayed: 0, resolved: [], unresolved: [] };
    const appended = await this.log.append(topic, appends);
    await this.errors.markReplayed(rows.map((r) => String(r.id)));
    const last = new Map<number, bigint>();
    for (const a of appended) if ((last.get(a.partition) ?? -1n) < a.offset) last.set(a.partition, a.offset);
    const applied = await this.sinks.waitApplied(sink, last, startedAtMs);
    const after = await this.errors.list({ source: 'sink', sourceId: id, limit: rows.length, ids: rows.map((r) => String(r.id)) });
    return {
      replayed: rows.length,
      applied,
      resolved: after.filter((e) => e.resolved_at !== null).map((e) => String(e.id)),
      unresolved: after.filter((e) => e.resolved_at === null).map((e) => String(e.id)),
    };
  }

  async metricsOf(id: string, q: MetricsQuery) {
    await this.cache.get(id);
    const to = q.to === undefined ? new Date() : new Date(q.to);
    const from = q.from === undefined ? new Date(to.getTime() - METRICS_RANGE_MINUTES_DEFAULT * 60_000) : new Date(q.from);
    if (from.getTime() >= to.getTime()) throw Errors.validation('from', 'must be before to');
    if (to.getTime() - from.getTime() > METRICS_RANGE_MINUTES_MAX * 60_000) throw Errors.validation('from', `the range may span at most ${METRICS_RANGE_MINUTES_MAX} minutes (7 days)`);
    return { sink_id: id, from: from.toISOString(), to: to.toISOString(), metrics: await this.metrics.read(id, from, to) };
  }
}

// Looking into a stream without changing it: POST /v1/streams/{id}/test runs the
// current pipeline on posted events and shows what each destination would get
// (and, for a table, the row or the rule it breaks), appending nothing; the
// per-minute metrics; the stream's ingest errors (newest first).

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Errors } from '../common/errors';
import { IngestErrorRow, SourceErrorsRepository } from '../database/ingest-errors.repository';
import { CachedRecordValidator, readTable } from '../sinks/table-row-writer';
import { splitPath } from './event-paths';
import { CompiledPipeline } from './pipeline';
import { eventProblem } from './stream-events';
import { METRICS_RANGE_MINUTES_MAX, minuteOf } from '../observability/minute-buckets';
import { StreamMetrics } from './stream-metrics';
import { StreamsService } from './streams.service';

export const ERRORS_LIMIT_DEFAULT = 100;
export const ERRORS_LIMIT_MAX = 1_000;

interface Delivered {
  index: number;
  event: unknown;
  /** Table destinations: the row's id, or why the table would refuse it. */
  row_id?: string | number;
  error?: string;
}

function errorView(e: IngestErrorRow) {
  const slash = e.record_part?.indexOf('/') ?? -1;
  const text = e.payload?.toString('utf8') ?? null;
  let event: unknown = text;
  try {
    event = text === null ? null : JSON.parse(text);
  } catch {
    // not JSON: shown as received
  }
  return {
    id: String(e.id),
    partition: e.partition,
    offset: String(e.offset),
    destination: slash > 0 ? e.record_part!.slice(0, slash) : null,
    code: e.reason,
    message: e.message,
    event,
    created_at: e.created_at.toISOString(),
  };
}

@Injectable()
export class StreamInsightsService {
  private readonly errorsRepo: SourceErrorsRepository;

  constructor(
    private readonly dataSource: DataSource,
    private readonly streams: StreamsService,
    private readonly metrics: StreamMetrics,
  ) {
    this.errorsRepo = new SourceErrorsRepository(dataSource);
  }

  async test(id: string, events: unknown[]) {
    const stream = await this.streams.find(id);
    const pipeline = new CompiledPipeline(stream.definition, stream.version);
    const destinations: Record<string, Delivered[]> = Object.fromEntries(stream.definition.destinations.map((d) => [d.name, []]));
    const dropped: { index: number; by: 'filter' | 'sample' }[] = [];
    const failed: { index: number; detail: string }[] = [];
    const now = new Date().toISOString();
    for (const [index, raw] of events.entries()) {
      const problem = eventProblem(raw);
      if (problem) {
        failed.push({ index, detail: problem });
        continue;
      }
      const event = structuredClone(raw) as Record<string, unknown>;
      event.timestamp ??= now;
      const result = pipeline.run(event, { partition: 0, offset: 0n, index });
      if (result.kind === 'dropped') dropped.push({ index, by: result.by });
      else if (result.kind === 'failed') failed.push({ index, detail: result.message });
      else for (const name of result.destinations) destinations[name]?.push({ index, event: result.event });
    }
    for (const dest of stream.definition.destinations) {
      if (dest.type !== 'table' || destinations[dest.name].length === 0) continue;
      const table = await readTable(this.dataSource.manager, dest.table);
      const validator = new CachedRecordValidator(
        { fields: dest.fields ? dest.fields.map((f) => ({ column: f.column, path: splitPath(f.path) })) : null, idPath: splitPath(dest.id_field), allowMissingFields: dest.allow_missing_fields ?? true },
        `destination ${dest.name}`,
      );
      for (const d of destinations[dest.name]) {
        if (!table) d.error = `table '${dest.table}' does not exist`;
        else {
          const found = validator.for(table);
          if ('problem' in found) d.error = found.problem;
          else {
            const verdict = found.validator.check(d.event);
            if (verdict.ok) d.row_id = verdict.row.id;
            else d.error = verdict.message;
          }
        }
      }
    }
    return { stream_id: stream.id, pipeline_version: stream.version, destinations, dropped, failed };
  }

  async metricsOf(id: string, minutesText: string | undefined) {
    await this.streams.find(id);
    const minutes = minutesText === undefined ? 60 : Number(minutesText);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > METRICS_RANGE_MINUTES_MAX) throw Errors.validation('minutes', `must be an integer in [1, ${METRICS_RANGE_MINUTES_MAX}]`);
    const to = new Date(minuteOf(Date.now()) + 60_000);
    const from = new Date(to.getTime() - minutes * 60_000);
    return { stream_id: id, from: from.toISOString(), to: to.toISOString(), minutes: await this.metrics.read(id, from, to) };
  }

  async errors(id: string, limitText: string | undefined, before: string | undefined) {
    await this.streams.find(id);
    const limit = limitText === undefined ? ERRORS_LIMIT_DEFAULT : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > ERRORS_LIMIT_MAX) throw Errors.validation('limit', `must be an integer in [1, ${ERRORS_LIMIT_MAX}]`);
    const rows = await this.errorsRepo.list({ source: 'stream', sourceId: id, limit: limit + 1, beforeId: before });
    const page = rows.slice(0, limit);
    return { errors: page.map(errorView), next: rows.length > limit ? String(page[page.length - 1].id) : null };
  }
}

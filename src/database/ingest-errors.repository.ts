// The ingest_errors table: every record a consumer could not materialize, with its
// reason and its original payload. Inserting is idempotent per log position, so a
// replay (or a consumer retrying after a crash) records each bad record once.

import { DataSource, EntityManager, FindOptionsWhere, LessThan, MoreThan } from 'typeorm';
import { IngestErrorEntity } from './ingest-error.entity';
import { valuesList } from './values-list';

export interface NewIngestError {
  source: string;
  sourceId: string;
  topic: string;
  partition: number;
  /** int64 offset as a decimal string. */
  offset: string;
  /** A code from IngestErrorReason. */
  reason: string;
  message: string;
  /** The record's key (vector id, primary key), when it had one. */
  key?: string | null;
  payload: Buffer | null;
  headers: Record<string, string> | null;
  /** Which part of the record failed, when one record holds several (an event of a batch, a destination): '' or absent = the whole record. */
  part?: string;
}

export interface IngestErrorFilter {
  source?: string;
  sourceId?: string;
  /** 1..INGEST_ERRORS_LIST_LIMIT_MAX */
  limit: number;
  /** Keyset cursor: rows strictly after this id in the chosen order. */
  afterId?: string;
  /** By id: 'asc' = oldest first (default), 'desc' = newest first. */
  order?: 'asc' | 'desc';
}

export const INGEST_ERRORS_LIST_LIMIT_MAX = 1_000;
/** Messages are diagnostics, not payload copies; the payload column holds the record. */
export const INGEST_ERROR_MESSAGE_CHARS_MAX = 4_096;
/** 11 parameters a row; well under Postgres's 65,535 parameters per statement. */
const ROWS_PER_INSERT_MAX = 500;
/** The 11 columns take their parameters as they are. */
const NO_CASTS = new Array<string>(11).fill('');

export class IngestErrorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records one error; returns false when this log position was already recorded.
   * Pass the materializer's transaction manager to commit it with the offsets.
   */
  async record(error: NewIngestError, manager?: EntityManager): Promise<boolean> {
    return (await this.recordMany([error], manager)) === 1;
  }

  /** Records a batch in as few statements as possible; returns how many were new. */
  async recordMany(errors: readonly NewIngestError[], manager?: EntityManager): Promise<number> {
    const runner = manager ?? this.dataSource.manager;
    let inserted = 0;
    for (let start = 0; start < errors.length; start += ROWS_PER_INSERT_MAX) {
      const batch = errors.slice(start, start + ROWS_PER_INSERT_MAX);
      const values = valuesList(batch.map(toParams), NO_CASTS);
      const rows: unknown[] = await runner.query(
        `INSERT INTO ingest_errors (source, source_id, topic, partition, "offset", reason, message, record_key, payload, headers, record_part)
         VALUES ${values.sql}
         ON CONFLICT (topic, partition, "offset", record_part) DO NOTHING
         RETURNING id`,
        values.params,
      );
      inserted += rows.length;
    }
    return inserted;
  }

  async list(filter: IngestErrorFilter): Promise<IngestErrorEntity[]> {
    if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > INGEST_ERRORS_LIST_LIMIT_MAX) {
      throw new RangeError(`limit must be an integer in [1, ${INGEST_ERRORS_LIST_LIMIT_MAX}], got ${filter.limit}`);
    }
    const desc = filter.order === 'desc';
    const where: FindOptionsWhere<IngestErrorEntity> = {};
    if (filter.source !== undefined) where.source = filter.source;
    if (filter.sourceId !== undefined) where.sourceId = filter.sourceId;
    if (filter.afterId !== undefined) {
      assertDecimal(filter.afterId, 'afterId');
      where.id = desc ? LessThan(filter.afterId) : MoreThan(filter.afterId);
    }
    return this.dataSource.getRepository(IngestErrorEntity).find({
      where,
      order: { id: desc ? 'DESC' : 'ASC' },
      take: filter.limit,
    });
  }
}

/** An error row with the replay bookkeeping columns (sinks' /errors). */
export interface IngestErrorRow {
  id: string;
  source_id: string;
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  message: string;
  record_key: string | null;
  /** '' for the whole record; otherwise which event or destination of it. */
  record_part: string;
  payload: Buffer | null;
  headers: Record<string, string> | null;
  created_at: Date;
  replayed_at: Date | null;
  resolved_at: Date | null;
}

export interface SourceErrorsQuery {
  source: string;
  sourceId: string;
  /** 1..INGEST_ERRORS_LIST_LIMIT_MAX */
  limit: number;
  /** Keyset cursor, newest first: rows with a smaller id. */
  beforeId?: string;
  since?: Date;
  unresolvedOnly?: boolean;
  ids?: string[];
}

/** Rows one list may return: a page (≤ 1,000) or a replay's selection (≤ 10,000). */
export const SOURCE_ERRORS_LIMIT_MAX = 10_001;

export class SourceErrorsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Newest first (by id), keyset-paged. */
  async list(q: SourceErrorsQuery): Promise<IngestErrorRow[]> {
    if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > SOURCE_ERRORS_LIMIT_MAX) {
      throw new RangeError(`limit must be an integer in [1, ${SOURCE_ERRORS_LIMIT_MAX}], got ${q.limit}`);
    }
    const where = ['source = $1', 'source_id = $2'];
    const params: unknown[] = [q.source, q.sourceId];
    if (q.beforeId !== undefined) {
      assertDecimal(q.beforeId, 'beforeId');
      params.push(q.beforeId);
      where.push(`id < $${params.length}`);
    }
    if (q.since !== undefined) {
      params.push(q.since.toISOString());
      where.push(`created_at >= $${params.length}`);
    }
    if (q.unresolvedOnly) where.push('resolved_at IS NULL');
    if (q.ids !== undefined) {
      q.ids.forEach((id) => assertDecimal(id, 'id'));
      params.push(q.ids);
      where.push(`id = ANY($${params.length}::bigint[])`);
    }
    params.push(q.limit);
    return this.dataSource.query(
      `SELECT id, source_id, topic, partition, "offset", reason, message, record_key, record_part, payload, headers, created_at, replayed_at, resolved_at
       FROM ingest_errors WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async markReplayed(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.dataSource.query(`UPDATE ingest_errors SET replayed_at = now() WHERE id = ANY($1::bigint[])`, [ids]);
  }
}

function toParams(e: NewIngestError): unknown[] {
  assertDecimal(e.offset, 'offset');
  if (!Number.isInteger(e.partition) || e.partition < 0) throw new RangeError(`partition must be a non-negative integer, got ${e.partition}`);
  let message = clean(e.message);
  if (message.length > INGEST_ERROR_MESSAGE_CHARS_MAX) message = `${message.slice(0, INGEST_ERROR_MESSAGE_CHARS_MAX - 1)}…`;
  const headers = e.headers === null ? null : JSON.stringify(Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [clean(k), clean(v)])));
  const key = e.key === undefined || e.key === null ? null : clean(e.key);
  return [clean(e.source), clean(e.sourceId), e.topic, e.partition, e.offset, clean(e.reason), message, key, e.payload, headers, clean(e.part ?? '')];
}

/**
 * Postgres text and jsonb cannot hold U+0000, and a message that echoes a bad
 * record may contain it; an insert that fails on that would lose the record.
 */
function clean(s: string): string {
  return s.includes('\u0000') ? s.replace(/\u0000/g, '\uFFFD') : s;
}

function assertDecimal(value: string, name: string): void {
  if (!/^\d{1,19}$/.test(value)) throw new RangeError(`${name} must be a non-negative int64 in decimal, got '${value}'`);
}

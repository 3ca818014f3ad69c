// The ingest_errors table: every record a consumer could not materialize, with its
// reason and its original payload. Inserting is idempotent per log position, so a
// replay (or a consumer retrying after a crash) records each bad record once.

import { DataSource, EntityManager, FindOptionsWhere, LessThan, MoreThan } from 'typeorm';
import { IngestErrorEntity } from './ingest-error.entity';

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
/** 10 parameters a row; well under Postgres's 65,535 parameters per statement. */
const ROWS_PER_INSERT_MAX = 500;
const COLUMNS = 10;

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
      const params: unknown[] = [];
      const tuples = batch.map((e, i) => {
        params.push(...toParams(e));
        const base = i * COLUMNS;
        return `(${Array.from({ length: COLUMNS }, (_, c) => `$${base + c + 1}`).join(', ')})`;
      });
      const rows: unknown[] = await runner.query(
        `INSERT INTO ingest_errors (source, source_id, topic, partition, "offset", reason, message, record_key, payload, headers)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (topic, partition, "offset") DO NOTHING
         RETURNING id`,
        params,
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

function toParams(e: NewIngestError): unknown[] {
  assertDecimal(e.offset, 'offset');
  if (!Number.isInteger(e.partition) || e.partition < 0) throw new RangeError(`partition must be a non-negative integer, got ${e.partition}`);
  let message = clean(e.message);
  if (message.length > INGEST_ERROR_MESSAGE_CHARS_MAX) message = `${message.slice(0, INGEST_ERROR_MESSAGE_CHARS_MAX - 1)}…`;
  const headers = e.headers === null ? null : JSON.stringify(Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [clean(k), clean(v)])));
  const key = e.key === undefined || e.key === null ? null : clean(e.key);
  return [clean(e.source), clean(e.sourceId), e.topic, e.partition, e.offset, clean(e.reason), message, key, e.payload, headers];
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

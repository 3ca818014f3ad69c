// The index_sessions table: one open ingest session per index.
import { DataSource, QueryFailedError } from 'typeorm';
import { Errors } from '../common/errors';
import { IndexSessionEntity, IndexSessionStatus, IngestMode } from './index-session.entity';

const UNIQUE_VIOLATION = '23505';

export class IndexSessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Throws a conflict when the index already has an open session. */
  async open(indexName: string, sessionId: string, mode: IngestMode): Promise<IndexSessionEntity> {
    const repo = this.dataSource.getRepository(IndexSessionEntity);
    const row = repo.create({ indexName, sessionId, mode, status: 'open', rowsStaged: '0' });
    try {
      await repo.insert(row);
    } catch (err) {
      if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION) {
        throw Errors.conflict('ingest session', indexName);
      }
      throw err;
    }
    return row;
  }

  get(indexName: string): Promise<IndexSessionEntity | null> {
    return this.dataSource.getRepository(IndexSessionEntity).findOneBy({ indexName });
  }

  async addStaged(indexName: string, sessionId: string, rows: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE index_sessions SET rows_staged = rows_staged + $3 WHERE index_name = $1 AND session_id = $2`,
      [indexName, sessionId, rows],
    );
  }

  /** Moves open → status; false if the session is not in the expected state (a concurrent finalize). */
  async transition(indexName: string, sessionId: string, from: IndexSessionStatus, to: IndexSessionStatus): Promise<boolean> {
    const result = await this.dataSource.query(
      `UPDATE index_sessions SET status = $4 WHERE index_name = $1 AND session_id = $2 AND status = $3 RETURNING index_name`,
      [indexName, sessionId, from, to],
    );
    return (result[0]?.length ?? result.length) > 0;
  }

  async close(indexName: string, sessionId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM index_sessions WHERE index_name = $1 AND session_id = $2`, [indexName, sessionId]);
  }
}

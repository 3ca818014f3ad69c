// The index_sessions table: one open ingest session per index.
import { DataSource } from 'typeorm';
import { Errors } from '../common/errors';
import { IndexSessionEntity, IndexSessionStatus, IngestMode } from './index-session.entity';
import { insertUnique } from './insert-unique';
import { StateTransitions } from './state-transitions';

/** open → finalizing; a finalized session's row is deleted (close), not moved to a third state. */
export const INDEX_SESSION_TRANSITIONS = new StateTransitions<IndexSessionStatus>('index session', {
  open: ['finalizing'],
  finalizing: [],
});

export class IndexSessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Throws a conflict when the index already has an open session. */
  async open(indexName: string, sessionId: string, mode: IngestMode): Promise<IndexSessionEntity> {
    const repo = this.dataSource.getRepository(IndexSessionEntity);
    const row = repo.create({ indexName, sessionId, mode, status: 'open', rowsStaged: '0' });
    await insertUnique(repo, row, () => Errors.conflict('ingest session', indexName));
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

  /** Compare-and-set; false if the session is not in `from` (a concurrent finalize). */
  transition(indexName: string, sessionId: string, from: IndexSessionStatus, to: IndexSessionStatus): Promise<boolean> {
    return INDEX_SESSION_TRANSITIONS.move(this.dataSource, { table: 'index_sessions', where: { index_name: indexName, session_id: sessionId } }, from, to);
  }

  async close(indexName: string, sessionId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM index_sessions WHERE index_name = $1 AND session_id = $2`, [indexName, sessionId]);
  }
}

// TypeORM settings for Intake's Postgres. Entities and migrations are listed as
// classes, not globs, so the same options work under ts-jest and from dist/.
// Schema changes only ever come from migrations, run explicitly at start.

import { DataSource, DataSourceOptions } from 'typeorm';
import { IngestErrors1763800000000 } from '../../migrations/1763800000000-IngestErrors';
import { IndexSessions1763830000000 } from '../../migrations/1763830000000-IndexSessions';
import { IngestErrorsRecordKey1764600000000 } from '../../migrations/1764600000000-IngestErrorsRecordKey';
import { MaterializerOffsets1764600100000 } from '../../migrations/1764600100000-MaterializerOffsets';
import { ApiTokens1764600200000 } from '../../migrations/1764600200000-ApiTokens';
import { Streams1764600400000 } from '../../migrations/1764600400000-Streams';
import { Sinks1764600300000 } from '../../migrations/1764600300000-Sinks';
import { UpsertionTasks1764600500000 } from '../../migrations/1764600500000-UpsertionTasks';
import { UpsertionTaskEntity } from '../tasks/upsertion-task.entity';
import { IndexSessionEntity } from './index-session.entity';
import { CollectionEntity } from './collection.entity';
import { IngestErrorEntity } from './ingest-error.entity';

/** Connections per node: materializers commit in few, short transactions; API reads are light. */
const POOL_CONNECTIONS_MAX = 10;
/** An unreachable database should fail start-up and health checks quickly, not hang them. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Any number that is ours alone: serialises migrations when several nodes start together. */
const MIGRATIONS_LOCK_KEY = 7_463_021_953;

export const ENTITIES = [IngestErrorEntity, CollectionEntity, IndexSessionEntity, UpsertionTaskEntity];
export const MIGRATIONS = [IngestErrors1763800000000, IndexSessions1763830000000, IngestErrorsRecordKey1764600000000, MaterializerOffsets1764600100000, ApiTokens1764600200000, Sinks1764600300000, Streams1764600400000, UpsertionTasks1764600500000];

export function createDataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    synchronize: false,
    migrationsRun: false,
    // Failed queries reach their callers as errors; logging them here too would double-report expected ones (conflicts).
    logging: false,
    applicationName: 'intake',
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    extra: { max: POOL_CONNECTIONS_MAX },
  };
}

/**
 * Applies pending migrations, each in its own transaction. TypeORM takes no lock,
 * so two nodes starting at once would both try the same migration; a session
 * advisory lock on a separate connection makes the second wait and then find
 * nothing to do.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK_KEY]).catch(() => undefined);
    await lock.release();
  }
}

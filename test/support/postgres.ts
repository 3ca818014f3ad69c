// One place that starts an embedded Postgres on a temporary data dir for a test
// file, and a DataSource on it with Intake's migrations applied.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { createDataSourceOptions, runMigrations } from '../../src/database/data-source';
import { RunningPostgres, startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * A temporary directory Postgres can use. mkdtemp makes it 0700, but as root the
 * server runs as the `postgres` user, which must be able to enter it.
 */
export function pgTempDir(prefix = 'pg'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `intake-${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export interface TestPostgres extends RunningPostgres {
  /** The temporary directory holding the cluster; removed by cleanup(). */
  root: string;
  /** Stops the server and removes its files. */
  cleanup(): Promise<void>;
}

/** Starts a fresh cluster in a new temp dir, or restarts the one in `root`. */
export async function startTestPostgres(root = pgTempDir()): Promise<TestPostgres> {
  const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: 0, onLog: process.env.PG_LOG ? (l) => console.log(l) : undefined });
  return {
    ...pg,
    root,
    cleanup: async () => {
      await pg.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function connectDataSource(url: string): Promise<DataSource> {
  const dataSource = new DataSource(createDataSourceOptions(url));
  await dataSource.initialize();
  await runMigrations(dataSource);
  return dataSource;
}

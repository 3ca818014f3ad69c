// One place that starts an embedded Postgres on a temporary data dir for a test
// file, and a DataSource on it with Intake's migrations applied.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource } from 'typeorm';
import { createDataSourceOptions, runMigrations } from '../../src/database/data-source';
import { RunningPostgres, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { tempDir } from './temp-dir';

export interface TestPostgres extends RunningPostgres {
  /** The temporary directory holding the cluster; removed by cleanup(). */
  root: string;
  /** Stops the server and removes its files. */
  cleanup(): Promise<void>;
  /** How long the start took (initdb, start and create database on a fresh cluster). */
  startMs: number;
}

/**
 * Starts a fresh cluster in a new temp dir, or restarts the one in `root`. The dir is
 * 0755: as root, the server runs as the `postgres` user, which must be able to enter it.
 */
export async function startTestPostgres(root = tempDir('pg', { mode: 0o755 })): Promise<TestPostgres> {
  const started = Date.now();
  const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: 0, onLog: process.env.PG_LOG ? (l) => console.log(l) : undefined });
  return {
    ...pg,
    root,
    startMs: Date.now() - started,
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

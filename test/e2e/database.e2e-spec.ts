// Real Postgres (embedded, one cluster for this file): migrations, the two
// repositories, the Nest module, and surviving restarts and killed runs.

import 'reflect-metadata';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { ConflictError } from '../../src/common/errors';
import { CollectionsRepository } from '../../src/database/collections.repository';
import { INDEX_SESSION_TRANSITIONS, IndexSessionsRepository } from '../../src/database/index-sessions.repository';
import { runMigrations } from '../../src/database/data-source';
import { DatabaseModule } from '../../src/database/database.module';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { IngestErrorsRepository, NewIngestError } from '../../src/database/ingest-errors.repository';
import { HealthContributors } from '../../src/observability/health-contributors';
import { ObservabilityModule } from '../../src/observability/observability.module';
import { withTestApp } from '../support/app';
import { connectDataSource } from '../support/postgres';

jest.setTimeout(120_000);

const spec = {
  name: 'docs',
  description: 'documents',
  dimension: 4,
  metric: 'cosine' as const,
  hnsw: { M: 16, efConstruction: 200, efSearch: 64 },
  shards: 2,
};

function error(offset: string, overrides: Partial<NewIngestError> = {}): NewIngestError {
  return {
    source: 'collection',
    sourceId: 'docs',
    topic: 'intake.collection.docs',
    partition: 0,
    offset,
    reason: 'WRONG_DIMENSION',
    message: 'expected 4 float32 (16 bytes), got 12 bytes',
    payload: Buffer.from([0, 1, 2, 255]),
    headers: { 'intake-op': 'upsert' },
    ...overrides,
  };
}

describe('database', () => {
  const t = withTestApp({ broker: false, app: false, db: true });
  let errors: IngestErrorsRepository;
  let collections: CollectionsRepository;

  beforeAll(() => {
    console.log(`embedded Postgres first start (initdb + start + create database): ${t.pg.startMs} ms`);
    errors = new IngestErrorsRepository(t.db);
    collections = new CollectionsRepository(t.db);
  });

  async function reconnect(): Promise<void> {
    t.db = await connectDataSource(t.pg.url);
    errors = new IngestErrorsRepository(t.db);
    collections = new CollectionsRepository(t.db);
  }

  /** Restarts the cluster on the same data dir (a new port: the test asked for 0). */
  async function restart(): Promise<number> {
    await t.db.destroy();
    await t.pg.stop();
    const started = Date.now();
    const again = await startEmbeddedPostgres({ dataDir: t.pg.dataDir, port: 0 });
    const ms = Date.now() - started;
    t.pg = { ...t.pg, ...again, cleanup: async () => { await again.stop(); fs.rmSync(t.pg.root, { recursive: true, force: true }); } };
    await reconnect();
    return ms;
  }

  it('migrations create the tables, once', async () => {
    const tables = await t.db.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual(['api_tokens', 'collections', 'idempotency_keys', 'index_sessions', 'ingest_errors', 'materializer_offsets', 'sink_metrics', 'sink_tables', 'sinks', 'stream_deliveries', 'stream_metrics', 'streams', 'typeorm_migrations', 'upsertion_tasks']);
    const indexes = await t.db.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'ingest_errors' ORDER BY indexname`);
    expect(indexes.map((i: { indexname: string }) => i.indexname)).toEqual(
      expect.arrayContaining(['ingest_errors_by_source', 'ingest_errors_record_once']),
    );
    expect(await runMigrations(t.db)).toEqual([]);
  });

  it('records an ingest error once per log position', async () => {
    expect(await errors.record(error('41'))).toBe(true);
    expect(await errors.record(error('41', { message: 'a replay says it again' }))).toBe(false);
    const rows = await errors.list({ source: 'collection', sourceId: 'docs', limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      source: 'collection',
      sourceId: 'docs',
      topic: 'intake.collection.docs',
      partition: 0,
      offset: '41',
      reason: 'WRONG_DIMENSION',
      message: 'expected 4 float32 (16 bytes), got 12 bytes',
      headers: { 'intake-op': 'upsert' },
    });
    expect(Buffer.compare(rows[0].payload as Buffer, Buffer.from([0, 1, 2, 255]))).toBe(0);
    expect(rows[0].createdAt).toBeInstanceOf(Date);
  });

  it('keeps payloads and texts Postgres would otherwise refuse', async () => {
    // int64 offsets beyond 2^53, NUL in text and in a header, a tombstone (null payload).
    const big = '9223372036854775806';
    expect(await errors.record(error(big, { message: 'bad\u0000byte', headers: { k: 'v\u0000' }, payload: null, reason: 'MISSING_KEY' }))).toBe(true);
    const [row] = (await errors.list({ limit: 1, order: 'desc' })).filter((r) => r.offset === big);
    expect(row).toMatchObject({ offset: big, message: 'bad\uFFFDbyte', headers: { k: 'v\uFFFD' }, payload: null });
  });

  it('records a batch, and takes part in the caller\'s transaction', async () => {
    const batch = Array.from({ length: 1_200 }, (_, i) => error(String(i), { topic: 'intake.sink.s1', source: 'sink', sourceId: 's1', partition: i % 3 }));
    expect(await errors.recordMany(batch)).toBe(1_200);
    expect(await errors.recordMany(batch)).toBe(0);

    await expect(
      t.db.transaction(async (manager) => {
        await errors.record(error('7', { topic: 'intake.stream.x', source: 'stream', sourceId: 'x' }), manager);
        throw new Error('materializer failed before committing its offsets');
      }),
    ).rejects.toThrow('materializer failed');
    expect(await errors.list({ source: 'stream', limit: 10 })).toEqual([]);
  });

  it('pages errors by id in either order', async () => {
    const first = await errors.list({ source: 'sink', sourceId: 's1', limit: 500 });
    const second = await errors.list({ source: 'sink', sourceId: 's1', limit: 1_000, afterId: first[first.length - 1].id });
    expect(first).toHaveLength(500);
    expect(second).toHaveLength(700);
    expect(BigInt(second[0].id)).toBeGreaterThan(BigInt(first[499].id));
    const newest = await errors.list({ source: 'sink', sourceId: 's1', limit: 2, order: 'desc' });
    expect(newest[0].id).toBe(second[699].id);
    const older = await errors.list({ source: 'sink', sourceId: 's1', limit: 1, order: 'desc', afterId: newest[1].id });
    expect(older[0].id).toBe(second[697].id);
    expect(() => errors.list({ limit: 0 })).rejects.toThrow(RangeError);
  });

  it('creates, gets, lists and deletes collections; a taken name is a conflict', async () => {
    const created = await collections.create(spec);
    expect(created).toMatchObject(spec);
    expect(created.createdAt).toBeInstanceOf(Date);
    await collections.create({ ...spec, name: 'alpha', description: undefined, shards: 1 });

    const err = await collections.create({ ...spec, dimension: 8 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'INTAKE_CONFLICT', status: 409, message: "collection 'docs' already exists" });

    expect(await collections.get('docs')).toMatchObject({ ...spec, createdAt: created.createdAt });
    expect(await collections.get('missing')).toBeNull();
    expect((await collections.list()).map((c) => c.name)).toEqual(['alpha', 'docs']);
    expect((await collections.list())[0].description).toBeNull();

    expect(await collections.delete('alpha')).toBe(true);
    expect(await collections.delete('alpha')).toBe(false);
    expect((await collections.list()).map((c) => c.name)).toEqual(['docs']);
  });

  it('moves an index session open → finalizing once, however many callers race, and refuses a transition not in the table', async () => {
    const sessions = new IndexSessionsRepository(t.db);
    await collections.create({ name: 'sm', description: null, dimension: 4, metric: 'cosine', hnsw: { M: 16, efConstruction: 100, efSearch: 64 }, shards: 1 });
    await sessions.open('sm', '5b0f6c1e-8a53-4c1f-9a57-1f0c2a7e9d41', 'build');
    const wins = await Promise.all(Array.from({ length: 8 }, () => sessions.transition('sm', '5b0f6c1e-8a53-4c1f-9a57-1f0c2a7e9d41', 'open', 'finalizing')));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect((await sessions.get('sm'))?.status).toBe('finalizing');
    await expect(sessions.transition('sm', '5b0f6c1e-8a53-4c1f-9a57-1f0c2a7e9d41', 'finalizing', 'open')).rejects.toThrow(/no transition finalizing → open/);
    expect(INDEX_SESSION_TRANSITIONS.states).toEqual(['open', 'finalizing']);
    await collections.delete('sm');
  });

  it('keeps every row across a restart on the same data dir', async () => {
    const before = await errors.list({ limit: 1_000 });
    const ms = await restart();
    console.log(`embedded Postgres second start (existing cluster): ${ms} ms`);
    expect(await errors.list({ limit: 1_000 })).toEqual(before);
    expect(await collections.get('docs')).toMatchObject(spec);
  });

  it('starts over a stale postmaster.pid whose pid is dead or not Postgres', async () => {
    await t.db.destroy();
    await t.pg.stop();
    const lockFile = path.join(t.pg.dataDir, 'postmaster.pid');
    const lockLines = (pid: number) => `${pid}\n${t.pg.dataDir}\n1700000000\n${t.pg.port}\n\n127.0.0.1\n  5432001    123456\nready   \n`;

    const dead = spawnSync(process.execPath, ['-e', '0']).pid as number;
    fs.writeFileSync(lockFile, lockLines(dead));
    let again = await startEmbeddedPostgres({ dataDir: t.pg.dataDir, port: 0 });
    await again.stop();

    // After a reboot the old pid often belongs to something else; Postgres alone would refuse to start.
    fs.writeFileSync(lockFile, lockLines(process.pid));
    again = await startEmbeddedPostgres({ dataDir: t.pg.dataDir, port: 0 });
    t.pg = { ...t.pg, ...again, cleanup: async () => { await again.stop(); fs.rmSync(t.pg.root, { recursive: true, force: true }); } };
    await reconnect();
    expect(await collections.get('docs')).toMatchObject(spec);
  });

  it('takes over from the orphaned postmaster of a killed run', async () => {
    await t.db.destroy();
    await t.pg.stop();
    // A separate Node process starts the cluster and is SIGKILLed: its postmaster lives on, orphaned.
    const script = `require(${JSON.stringify(path.resolve(__dirname, '../../src/database/embedded-postgres'))})
      .startEmbeddedPostgres({ dataDir: ${JSON.stringify(t.pg.dataDir)}, port: 0 })
      .then((pg) => console.log('READY ' + pg.port), (e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, TS_NODE_PROJECT: path.resolve(__dirname, '../../tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => c.toString().includes('READY') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const orphan = Number(fs.readFileSync(path.join(t.pg.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(() => process.kill(orphan, 0)).not.toThrow();

    const again = await startEmbeddedPostgres({ dataDir: t.pg.dataDir, port: 0 });
    t.pg = { ...t.pg, ...again, cleanup: async () => { await again.stop(); fs.rmSync(t.pg.root, { recursive: true, force: true }); } };
    expect(() => process.kill(orphan, 0)).toThrow();
    t.db = await connectDataSource(t.pg.url);
    errors = new IngestErrorsRepository(t.db);
    collections = new CollectionsRepository(t.db);
    expect(await collections.get('docs')).toMatchObject(spec);
  });

  it('refuses a data dir whose postmaster belongs to a live run', async () => {
    const err = await startEmbeddedPostgres({ dataDir: t.pg.dataDir, port: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/is in use by a running Postgres/);
  });

  it('DatabaseModule connects, migrates, exports the repositories and a health check, and closes', async () => {
    @Module({ imports: [ObservabilityModule, DatabaseModule.forRoot(t.pg.url)] })
    class Root {}
    const app = await NestFactory.createApplicationContext(Root, { logger: false, abortOnError: false });
    const moduleDs = app.get(DataSource);
    expect(moduleDs.isInitialized).toBe(true);
    expect(await app.get(CollectionsRepository).get('docs')).toMatchObject(spec);
    expect(app.get(IngestErrorsRepository)).toBeInstanceOf(IngestErrorsRepository);
    const [check] = app.get(HealthContributors).list();
    expect(check.name).toBe('database');
    expect(await check.check()).toMatchObject({ status: 'up' });
    await app.close();
    expect(moduleDs.isInitialized).toBe(false);
    expect(await check.check()).toMatchObject({ status: 'down' });
  });
});

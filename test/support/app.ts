// One place that starts Intake for e2e tests: one embedded broker and one embedded
// Postgres per test file (started in beforeAll), and as many app instances on a
// temporary data dir as a test needs — a restart is close() then startApp() again
// on the same data dir. withTestApp() registers that set-up and its tear-down.
import * as fs from 'node:fs';
import { DataSource } from 'typeorm';
import { RunningBroker } from '../../src/broker';
import { RunningIntake, startIntake } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { startTestBroker } from './broker';
import { TestPostgres, connectDataSource, startTestPostgres } from './postgres';
import { tempDir } from './temp-dir';

export interface TestInfra {
  broker: RunningBroker;
  pg: TestPostgres;
  stop(): Promise<void>;
}

export async function startInfra(): Promise<TestInfra> {
  const [broker, pg] = await Promise.all([startTestBroker(), startTestPostgres()]);
  return {
    broker,
    pg,
    async stop() {
      await broker.stop();
      await pg.cleanup();
    },
  };
}

export type TestApp = RunningIntake & { dataDir: string };

/** The admin token every test app is started with (INTAKE_ADMIN_TOKEN); `http()` sends it unless told otherwise. */
export const TEST_ADMIN_TOKEN = 'intake_TestAdminToken0000000000000000000000000000';

/** `Authorization: Bearer <token>` (the test admin token by default), for direct fetch calls. */
export function authHeader(token: string = TEST_ADMIN_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export async function startApp(infra: TestInfra, dataDir = tempDir('app'), env: Record<string, string> = {}): Promise<TestApp> {
  fs.mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    PORT: '0',
    KAFKA_BROKERS: infra.broker.address,
    DATABASE_URL: infra.pg.url,
    INTAKE_DATA_DIR: dataDir,
    INTAKE_LOG_LEVEL: process.env.INTAKE_LOG_LEVEL ?? 'error',
    INTAKE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    ...env,
  });
  const app = await startIntake(config);
  return { ...app, dataDir };
}

export interface TestAppOptions {
  /** Start the broker (default true; the app needs it). */
  broker?: boolean;
  /** Start an app node on the infra (default true). */
  app?: boolean;
  /** Connect a DataSource to the Postgres, migrations applied (default false). */
  db?: boolean;
}

/**
 * What withTestApp starts, filled in by its beforeAll. A test may replace a field
 * (restart the app, reconnect db, restart pg): the afterAll stops what is there then.
 */
export interface TestContext {
  broker: RunningBroker;
  pg: TestPostgres;
  /** The broker and Postgres together, for startApp(). */
  infra: TestInfra;
  app: TestApp;
  db: DataSource;
  /** Closes the app and starts it again on its data dir; `between` runs while it is down. */
  restartApp(between?: (dataDir: string) => void | Promise<void>): Promise<TestApp>;
  /** Runs `stop` in the afterAll before anything withTestApp started stops (last added, first run). */
  onTeardown(stop: () => unknown): void;
}

/**
 * Call inside describe(): starts a broker and a Postgres (in parallel), then the app
 * and a DataSource as asked, in a beforeAll; stops them in an afterAll — the test's
 * own onTeardown steps first, then db, app, broker, Postgres.
 */
export function withTestApp(options: TestAppOptions = {}): TestContext {
  const { broker: withBroker = true, app: withApp = true, db: withDb = false } = options;
  if (withApp && !withBroker) throw new Error('withTestApp: the app needs the broker');
  const teardown: (() => unknown)[] = [];
  const t = {
    async restartApp(between?: (dataDir: string) => void | Promise<void>) {
      const dataDir = t.app.dataDir;
      await t.app.close();
      await between?.(dataDir);
      t.app = await startApp(t.infra, dataDir);
      return t.app;
    },
    onTeardown(stop: () => unknown) {
      teardown.push(stop);
    },
  } as TestContext;

  beforeAll(async () => {
    const [broker, pg] = await Promise.all([withBroker ? startTestBroker() : undefined, startTestPostgres()]);
    if (broker) t.broker = broker;
    t.pg = pg;
    t.infra = {
      get broker() {
        return t.broker;
      },
      get pg() {
        return t.pg;
      },
      async stop() {
        await t.broker?.stop();
        await t.pg?.cleanup();
      },
    };
    if (withApp) t.app = await startApp(t.infra);
    if (withDb) t.db = await connectDataSource(t.pg.url);
  });

  afterAll(async () => {
    for (const stop of teardown.splice(0).reverse()) await stop();
    if (t.db?.isInitialized) await t.db.destroy();
    await t.app?.close();
    await t.broker?.stop();
    await t.pg?.cleanup();
  });

  return t;
}

/**
 * JSON over HTTP with the status, for assertions on both. Sends the test admin token,
 * or `token` (null: no Authorization header at all).
 */
export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TEST_ADMIN_TOKEN,
): Promise<{ status: number; body: any; headers: Headers }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': Buffer.isBuffer(body) ? 'application/octet-stream' : 'application/json' }),
      ...(token === null ? {} : authHeader(token)),
    },
    body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  // Headers are there for tests that look at them, but not enumerable, so `toEqual({status, body})` still holds.
  return Object.defineProperty({ status: res.status, body: parsed }, 'headers', { value: res.headers, enumerable: false }) as {
    status: number;
    body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    headers: Headers;
  };
}

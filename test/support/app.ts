// One place that starts Intake for e2e tests: one embedded broker and one embedded
// Postgres per test file (started in beforeAll), and as many app instances on a
// temporary data dir as a test needs — a restart is close() then startApp() again
// on the same data dir.
import * as fs from 'node:fs';
import { RunningBroker } from '../../src/broker';
import { RunningIntake, startIntake } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { startTestBroker, tempDir } from './broker';
import { TestPostgres, startTestPostgres } from './postgres';

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

export async function startApp(infra: TestInfra, dataDir = tempDir('app'), env: Record<string, string> = {}): Promise<RunningIntake & { dataDir: string }> {
  fs.mkdirSync(dataDir, { recursive: true });
  const config = loadConfig({
    PORT: '0',
    KAFKA_BROKERS: infra.broker.address,
    DATABASE_URL: infra.pg.url,
    INTAKE_DATA_DIR: dataDir,
    INTAKE_LOG_LEVEL: process.env.INTAKE_LOG_LEVEL ?? 'error',
    ...env,
  });
  const app = await startIntake(config);
  return { ...app, dataDir };
}

/** JSON over HTTP with the status, for assertions on both. */
export async function http(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed };
}

/** A deterministic pseudo-random generator (mulberry32) so test data is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomVectors(count: number, dimension: number, seed: number): number[][] {
  const rnd = seededRandom(seed);
  return Array.from({ length: count }, () => Array.from({ length: dimension }, () => rnd() * 2 - 1));
}

// `npm start` as a person runs it: the real process (embedded broker, embedded
// Postgres, the app) on one data dir, written to, then stopped with SIGTERM sent
// to its whole process group, as a terminal or a service manager does (Postgres
// gets the signal too). Every stop must end the process tree promptly with status
// 0, however many times the data dir has been started before, and nothing
// acknowledged may be lost across the restarts. Clients that keep a connection
// open without a request in flight — a browser's pre-opened socket, a half-sent
// request — are there too: they must not hold the stop.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { tempDir } from '../support/broker';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');
/** Generous against a loaded 2-core machine; a healthy stop takes well under a second. */
const STOP_MS_MAX = 10_000;
const START_TIMEOUT_MS = 90_000;

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
}

function startIntakeProcess(dataDir: string): Promise<Started> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      INTAKE_DATA_DIR: dataDir,
      PORT: '0',
      INTAKE_BROKER_PORT: '0',
      INTAKE_PG_PORT: '0',
      INTAKE_LOG_LEVEL: 'info',
      KAFKA_BROKERS: '',
      DATABASE_URL: '',
    },
    // Its own process group, so the test can signal the whole tree as a terminal would.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d.toString()));
  child.stderr!.on('data', (d) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`Intake did not start within ${START_TIMEOUT_MS} ms:\n${out}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      const m = /Intake listening on (\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ child, url: m[1], output: () => out });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Intake exited during start (${code ?? signal}):\n${out}`));
    });
  });
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the process group; resolves with the exit code and how long the whole group took to go. */
async function stopWithSigterm(started: Started): Promise<{ code: number | null; signal: string | null; ms: number }> {
  const { child } = started;
  const pgid = child.pid!;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const t0 = Date.now();
  process.kill(-pgid, 'SIGTERM');
  const deadline = t0 + STOP_MS_MAX;
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([exited, new Promise<null>((r) => (timer = setTimeout(() => r(null), STOP_MS_MAX)))]);
  clearTimeout(timer);
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const ms = Date.now() - t0;
  if (result === null || groupAlive(pgid)) {
    const output = started.output();
    process.kill(-pgid, 'SIGKILL');
    await exited;
    throw new Error(`the process group was still up ${STOP_MS_MAX} ms after SIGTERM; output:\n${output.slice(-4000)}`);
  }
  return { ...result, ms };
}

/**
 * A connection that sends nothing and one that sends half a request (what browsers
 * and client pools leave open), and an upload that stalls after its headers.
 */
async function openSilentClients(url: string): Promise<net.Socket[]> {
  const { hostname, port } = new URL(url);
  const open = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => resolve(socket));
      socket.once('error', reject);
    });
  const silent = await open();
  const halfSent = await open();
  halfSent.write(`GET /health HTTP/1.1\r\nHost: ${hostname}\r\n`);
  const stalled = await open();
  stalled.write(
    `POST /vectordb/collections/docs/streaming/upsert HTTP/1.1\r\nHost: ${hostname}\r\n` +
      'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"vectors":[',
  );
  for (const s of [silent, halfSent, stalled]) s.on('error', () => undefined);
  return [silent, halfSent, stalled];
}

/** The admin token the first start printed (the standalone mode generates one). */
let adminToken = '';

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('graceful stop of the real process', () => {
  it('exits within 10 s with status 0 after each SIGTERM, twice on the same data dir, and a restart finds every write', async () => {
    const dataDir = tempDir('graceful-stop');
    // mkdtemp makes it 0700; as root the embedded Postgres runs as `postgres`, which must reach it.
    fs.chmodSync(dataDir, 0o755);
    const vectors = [
      { id: 'first', dense_values: [0.1, 0.2, 0.3, 0.4] },
      { id: 'second', dense_values: [0.4, 0.3, 0.2, 0.1] },
    ];

    for (const [run, vector] of vectors.entries()) {
      const intake = await startIntakeProcess(dataDir);
      try {
        // The first start prints a generated admin token once; later starts never print one.
        const printed = intake.output().match(/intake_[0-9A-Za-z]{43}/g) ?? [];
        if (run === 0) {
          expect(printed).toHaveLength(2); // the token, and the curl line that uses it
          adminToken = printed[0] as string;
        } else {
          expect(printed).toEqual([]);
        }
        if (run === 0) {
          const created = await post(`${intake.url}/vectordb/collections`, { name: 'docs', dense_vector: { enabled: true, dimension: 4 } });
          expect(created.status).toBeLessThan(300);
        }
        const upserted = await post(`${intake.url}/vectordb/collections/docs/streaming/upsert`, { vectors: [vector] });
        expect(upserted).toEqual({ status: 200, body: { success: true, count: 1 } });
      } catch (err) {
        process.kill(-intake.child.pid!, 'SIGKILL');
        throw err;
      }
      const clients = await openSilentClients(intake.url);
      try {
        const stopped = await stopWithSigterm(intake);
        expect({ run: run + 1, code: stopped.code, signal: stopped.signal }).toEqual({ run: run + 1, code: 0, signal: null });
        expect(stopped.ms).toBeLessThan(STOP_MS_MAX);
      } finally {
        for (const c of clients) c.destroy();
      }
    }

    const third = await startIntakeProcess(dataDir);
    try {
      const found = await post(`${third.url}/vectordb/collections/docs/search/dense`, { query_vector: [0.1, 0.2, 0.3, 0.4], top_k: 10 });
      expect(found.status).toBe(200);
      expect(found.body.results.map((r: { id: string }) => r.id).sort()).toEqual(['first', 'second']);
    } finally {
      const stopped = await stopWithSigterm(third);
      expect(stopped.code).toBe(0);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
});

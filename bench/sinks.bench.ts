// npm run bench:sinks — seed 002's ingest path end to end against a plain multi-row
// INSERT of the same rows into the same Postgres, in ONE run:
//   Intake: POST /v2/sinks/{id} with 1,000-record requests of 10 columns from BENCH_SINK_CLIENTS
//           concurrent clients (HTTP → validation → log → shared-mode materializer → upsert
//           committed with offsets). Two runs, each into a fresh table and sink:
//           1. calls answer once the records are durable in the log (the API's default); the
//              clock stops when every row is visible in the table: records/s end to end;
//           2. the same closed loop: every call ?wait=applied, so each client waits for its rows
//              before its next call (latency-bound; printed for comparison).
//   raw:    the same rows as 1,000-row INSERT statements (autocommit) from as many connections,
//           into a table of the same shape (same column types, primary key) in the same Postgres.
// Target (run 1): ≥ 20,000 records/s end to end and ≥ 0.5 of the plain INSERT.
//
// Intake runs as a CHILD PROCESS (node dist/src/main.js with its embedded broker) against an
// embedded Postgres this process starts, so the raw side uses the very same server. Raw runs
// before Intake starts and after it stops (best of the two), never while it runs.
//
// Environment: BENCH_SINK_N=100000 records, BENCH_SINK_BATCH=1000 per request / statement,
// BENCH_SINK_CLIENTS=4 concurrent requests / connections, BENCH_SINK_TRIALS=2 trials of each mode, BENCH_CHILD_EXEC_ARGV extra node flags
// for the Intake child (e.g. "--cpu-prof --cpu-prof-dir=/tmp/intake-prof").

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchClient, must, startIntakeChild } from './intake-child';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { allProcStats, descendantsOf, numberFromEnv, pool } from './report';

const N = numberFromEnv('BENCH_SINK_N', 100_000);
const BATCH = numberFromEnv('BENCH_SINK_BATCH', 1_000);
const CLIENTS = numberFromEnv('BENCH_SINK_CLIENTS', 4);
const TRIALS = numberFromEnv('BENCH_SINK_TRIALS', 2);
const TOKEN = `intake_bench${randomBytes(24).toString('hex')}`;

const COLUMNS = [
  { name: 'id', type: 'id' },
  { name: 'user_id', type: 'int' },
  { name: 'amount', type: 'decimal', scale: 2 },
  { name: 'currency', type: 'string', max_length: 3 },
  { name: 'country', type: 'string', max_length: 2 },
  { name: 'device', type: 'string' },
  { name: 'paid', type: 'bool' },
  { name: 'at', type: 'timestamp' },
  { name: 'items', type: 'int', min: 0 },
  { name: 'note', type: 'string' },
];
const RAW_TABLE = `CREATE TABLE IF NOT EXISTS public.bench_raw (id text PRIMARY KEY, user_id bigint, amount numeric(38, 2), currency text, country text, device text, paid boolean, at timestamptz, items bigint, note text)`;

function record(i: number): Record<string, unknown> {
  return {
    id: `order-${i}`,
    user_id: (i * 7919) % 100_000,
    amount: Math.round(((i * 37) % 100_000) + 0.25) / 1,
    currency: ['EUR', 'USD', 'NOK'][i % 3],
    country: ['NO', 'SE', 'DE', 'US'][i % 4],
    device: ['ios', 'android', 'web'][i % 3],
    paid: i % 2 === 0,
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    items: i % 17,
    note: `order number ${i} placed through the bench`,
  };
}

/**
 * Cores kept busy over the measured phase by the Intake child, the Postgres this bench
 * started (its other descendants), this process and everything else: where the time
 * went, and whether someone else was using the machine meanwhile.
 */
class CpuWindow {
  private readonly procs0 = allProcStats();
  private readonly t0 = process.hrtime.bigint();

  constructor(private readonly childPid: number) {}

  note(): string {
    const wall = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const procs = allProcStats();
    const delta = (pid: number, reaped = false) => {
      const now = procs.get(pid);
      const then = this.procs0.get(pid);
      const used = (now?.cpu ?? 0) - (then?.cpu ?? 0);
      return Math.max(0, used + (reaped ? (now?.reapedCpu ?? 0) - (then?.reapedCpu ?? 0) : 0));
    };
    const ours = descendantsOf(process.pid, procs, this.childPid);
    let postgres = 0;
    let others = 0;
    for (const pid of procs.keys()) {
      if (pid === process.pid || pid === this.childPid) continue;
      // The postmaster is charged for the backends it reaped (connections closed meanwhile).
      if (ours.has(pid)) postgres += delta(pid, true);
      else others += delta(pid);
    }
    const f = (s: number) => (s / wall).toFixed(2);
    return `CPU cores busy: Intake ${f(delta(this.childPid))}, Postgres ${f(postgres)}, bench client ${f(delta(process.pid))}, other processes ${f(others)}`;
  }
}

const request = benchClient(TOKEN, 64);

async function rawInsert(url: string): Promise<number> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const c = new Client({ connectionString: url });
    await c.connect();
    return c;
  }));
  await clients[0].query(RAW_TABLE);
  await clients[0].query('TRUNCATE public.bench_raw');
  const keys = Object.keys(record(0));
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c) => {
      for (;;) {
        const start = next;
        next += BATCH;
        if (start >= N) return;
        const params: unknown[] = [];
        const tuples: string[] = [];
        for (let i = start; i < Math.min(N, start + BATCH); i++) {
          const r = record(i);
          const base = params.length;
          params.push(...keys.map((k) => r[k]));
          tuples.push(`(${keys.map((_, k) => `$${base + k + 1}`).join(', ')})`);
        }
        await c.query(`INSERT INTO public.bench_raw (${keys.join(', ')}) VALUES ${tuples.join(', ')}`, params);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await Promise.all(clients.map((c) => c.end()));
  return N / seconds;
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-sinks-'));
  fs.chmodSync(root, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: 0 });
  let child: ChildProcess | null = null;
  try {
    const rawBefore = await rawInsert(pg.url);
    console.log(`raw multi-row INSERT (before): ${Math.round(rawBefore)} rows/s`);

    fs.mkdirSync(path.join(root, 'app'), { mode: 0o755 });
    const app = await startIntakeChild({ INTAKE_DATA_DIR: path.join(root, 'app'), INTAKE_BROKER_PORT: '0', DATABASE_URL: pg.url, INTAKE_LOG_LEVEL: 'warn', INTAKE_ADMIN_TOKEN: TOKEN, INTAKE_RATE_LIMIT_REQUESTS_PER_SECOND: '1000000' });
    child = app.child;
    const url = app.url;
    const bodies: string[] = [];
    for (let start = 0; start < N; start += BATCH) {
      bodies.push(JSON.stringify({ records: Array.from({ length: Math.min(BATCH, N - start) }, (_, i) => ({ value: record(start + i) })) }));
    }
    const check = new Client({ connectionString: pg.url });
    await check.connect();
    /** One measured run into a fresh table and sink; `wait`: every call ?wait=applied. */
    const run = async (table: string, wait: boolean) => {
      await must(request(url, 'POST', '/v2/tables', { name: table, columns: COLUMNS }), 201);
      await must(request(url, 'POST', '/v2/sinks', { name: `${table}-in`, table, id_field: 'id', partitions: 4 }), 201);
      // Warm-up: the consumer group forms and the first batches compile.
      await must(request(url, 'POST', `/v2/sinks/${table}-in?wait=applied`, { records: Array.from({ length: BATCH }, (_, i) => ({ value: record(N + i) })) }), 200);
      const cpu = new CpuWindow(child!.pid!);
      const started = process.hrtime.bigint();
      await pool(bodies.length, CLIENTS, async (k) => {
        const res = await must(request(url, 'POST', wait ? `/v2/sinks/${table}-in?wait=applied` : `/v2/sinks/${table}-in`, bodies[k]), 200);
        const parsed = JSON.parse(res.body) as { success_count: number };
        if (parsed.success_count !== Math.min(BATCH, N - k * BATCH)) throw new Error(`request ${k}: ${res.body.slice(0, 300)}`);
      });
      const ackedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const count = async () => Number((await check.query(`SELECT count(*) AS n FROM intake_tables.${table}`)).rows[0].n);
      // Calls without ?wait=applied return once the records are in the log: the clock runs until every row is visible.
      while ((await count()) < N + BATCH) await new Promise((r) => setTimeout(r, 20));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpuNote = cpu.note();
      const rows = await count();
      if (rows !== N + BATCH) throw new Error(`expected ${N + BATCH} rows, found ${rows}`);
      console.log(
        `Intake, ${wait ? 'every call ?wait=applied' : 'calls return at the log'}: all calls answered after ${ackedSeconds.toFixed(2)} s (${Math.round(N / ackedSeconds)} records/s into the log), all rows visible after ${seconds.toFixed(2)} s; ${cpuNote}`,
      );
      return N / seconds;
    };
    // Trials alternate between the two modes; each figure is its mode's best trial (this box drifts).
    const streamedTrials: number[] = [];
    const closedLoopTrials: number[] = [];
    for (let trial = 1; trial <= TRIALS; trial++) {
      streamedTrials.push(await run(`orders_${trial}`, false));
      closedLoopTrials.push(await run(`orders_wait_${trial}`, true));
    }
    const streamed = Math.max(...streamedTrials);
    const closedLoop = Math.max(...closedLoopTrials);
    await check.end();

    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
    child = null;
    const rawAfter = await rawInsert(pg.url);
    console.log(`raw multi-row INSERT (after): ${Math.round(rawAfter)} rows/s`);
    const raw = Math.max(rawBefore, rawAfter);
    console.log('');
    console.log(`sinks: ${N} records of ${COLUMNS.length} columns, ${BATCH} per request, ${CLIENTS} clients, on ${os.cpus().length} cores; best of ${TRIALS} trial(s) per mode, raw best of before/after`);
    console.log('| measure | Intake | raw | ratio | target |');
    console.log('|---|---|---|---|---|');
    const verdict = (x: number) => `${x >= 20_000 ? 'met' : 'not met'} / ${x / raw >= 0.5 ? 'met' : 'not met'}`;
    console.log(
      `| sink ingest end to end: HTTP → log → rows visible (calls answer once the records are durable in the log, the API's default; the clock stops when every row is visible) vs multi-row INSERT | ${Math.round(streamed).toLocaleString('en')} records/s | ${Math.round(raw).toLocaleString('en')} rows/s | ${(streamed / raw).toFixed(2)} | ≥ 20,000/s and ≥ 0.5: ${verdict(streamed)} |`,
    );
    console.log(
      `| the same, closed loop: every call ?wait=applied, each client waits for its rows before its next call | ${Math.round(closedLoop).toLocaleString('en')} records/s | ${Math.round(raw).toLocaleString('en')} rows/s | ${(closedLoop / raw).toFixed(2)} | (latency-bound; no target) |`,
    );
  } finally {
    child?.kill('SIGKILL');
    await pg.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

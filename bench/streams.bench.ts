// npm run bench:streams — seed 003's ingest end to end against the log alone, in ONE run:
//   Intake: POST /v1/streams/ingest with 500-event NDJSON requests from BENCH_STREAM_CLIENTS
//           concurrent clients into a stream with a 3-processor pipeline (mask card numbers,
//           filter debug events, rename a field) routed to a table; the clock stops when every
//           kept event is a row (HTTP → checks → log → per-destination runner → pipeline → upsert
//           committed with offsets).
//   log:    the same NDJSON bodies appended by kafkajs (acks=-1) straight to a topic of the same
//           embedded broker, as many in flight: what the log alone takes.
// Target: ≥ 30,000 events/s end to end.
//
// Intake runs as a CHILD PROCESS (node dist/src/main.js with its embedded broker) against an
// embedded Postgres this process starts. Environment: BENCH_STREAM_N=100000 events,
// BENCH_STREAM_BATCH=500 per request, BENCH_STREAM_CLIENTS=4, BENCH_CHILD_EXEC_ARGV extra node flags for
// the Intake child (e.g. "--cpu-prof --cpu-prof-dir=/tmp/intake-prof").

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchAnswer, benchClient, freePort, must, startIntakeChild } from './intake-child';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { numberFromEnv, pool } from './report';

const N = numberFromEnv('BENCH_STREAM_N', 100_000);
const BATCH = numberFromEnv('BENCH_STREAM_BATCH', 500);
const CLIENTS = numberFromEnv('BENCH_STREAM_CLIENTS', 4);
const TOKEN = `intake_bench${randomBytes(24).toString('hex')}`;
const request = benchClient(TOKEN, CLIENTS);

/** One event in ten is a debug event (the filter drops it). */
function event(i: number): string {
  return JSON.stringify({
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    source: `service-${i % 8}`,
    event: { id: `evt-${i}`, level: i % 10 === 0 ? 'debug' : 'info', amount: i % 1000, card: '4111 1111 1111 1111', user: `user-${i % 5000}` },
    metadata: { env: 'bench' },
  });
}

const kept = (n: number) => n - Math.ceil(n / 10);

/** POST `body` as it is, with its media type (and the stream for ingest). */
function post(base: string, pathname: string, body: string, contentType: string, streamId?: string): Promise<BenchAnswer> {
  return request(base, 'POST', pathname, body, { 'content-type': contentType, ...(streamId ? { 'x-stream-id': streamId } : {}) });
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-streams-'));
  fs.chmodSync(root, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg'), port: 0 });
  let child: ChildProcess | null = null;
  try {
    const brokerPort = await freePort();
    fs.mkdirSync(path.join(root, 'app'), { mode: 0o755 });
    const app = await startIntakeChild({ INTAKE_DATA_DIR: path.join(root, 'app'), INTAKE_BROKER_PORT: String(brokerPort), DATABASE_URL: pg.url, INTAKE_LOG_LEVEL: 'warn', INTAKE_ADMIN_TOKEN: TOKEN, INTAKE_RATE_LIMIT_REQUESTS_PER_SECOND: '1000000', INTAKE_RATE_LIMIT_BYTES_PER_SECOND: String(1024 ** 4) });
    child = app.child;
    const url = app.url;
    const json = (v: unknown) => JSON.stringify(v);
    await must(post(url, '/v2/tables', json({ name: 'events_out', columns: [{ name: 'id', type: 'id' }, { name: 'service', type: 'string' }, { name: 'amount', type: 'int' }, { name: 'card', type: 'string' }, { name: 'customer', type: 'string' }] }), 'application/json'), 201);
    const created = await must(
      post(url, '/v1/streams', json({
        name: 'bench',
        partitions: 4,
        pipeline: [
          { type: 'mask', field: 'event.card', pattern: 'card_number', with: 'mask' },
          { type: 'filter', drop_when: { 'event.level': 'debug' } },
          { type: 'rename', from: 'event.user', to: 'event.customer' },
        ],
        destinations: [{ name: 'rows', type: 'table', table: 'events_out', id_field: 'event.id', fields: [{ column: 'service', path: 'source' }, { column: 'amount', path: 'event.amount' }, { column: 'card', path: 'event.card' }, { column: 'customer', path: 'event.customer' }] }],
      }), 'application/json'),
      201,
    );
    const streamId = (JSON.parse(created.body) as { id: string }).id;
    const bodies: string[] = [];
    for (let start = 0; start < N; start += BATCH) bodies.push(Array.from({ length: Math.min(BATCH, N - start) }, (_, i) => event(start + i)).join('\n'));
    const check = new Client({ connectionString: pg.url });
    await check.connect();
    const count = async () => Number((await check.query(`SELECT count(*) AS n FROM intake_tables.events_out`)).rows[0].n);
    // Warm-up: the destination's consumer group forms.
    await must(post(url, '/v1/streams/ingest', Array.from({ length: 10 }, (_, i) => event(N + 1 + i)).join('\n'), 'application/x-ndjson', streamId), 200);
    const warm = kept(10);
    while ((await count()) < warm) await new Promise((r) => setTimeout(r, 50));

    const started = process.hrtime.bigint();
    await pool(bodies.length, CLIENTS, async (k) => {
      await must(post(url, '/v1/streams/ingest', bodies[k], 'application/x-ndjson', streamId), 200);
    });
    const ackedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const expected = kept(N) + warm;
    while ((await count()) < expected) await new Promise((r) => setTimeout(r, 20));
    const e2eSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = await count();
    const masked = Number((await check.query(`SELECT count(*) AS n FROM intake_tables.events_out WHERE card = '****'`)).rows[0].n);
    await check.end();
    if (rows !== expected || masked !== rows) throw new Error(`expected ${expected} masked rows, found ${rows} (${masked} masked)`);

    // The log alone: the same bodies, appended by kafkajs to a topic of the same broker.
    const kafka = new Kafka({ clientId: 'bench-log', brokers: [`127.0.0.1:${brokerPort}`], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'bench.log-only', numPartitions: 4, configEntries: [{ name: 'max.message.bytes', value: String(2 * 1024 * 1024) }] }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const logStarted = process.hrtime.bigint();
    await pool(bodies.length, CLIENTS, async (k) => {
      await producer.send({ topic: 'bench.log-only', acks: -1, messages: [{ key: `service-${k % CLIENTS}`, value: bodies[k], partition: k % 4 }] });
    });
    const logSeconds = Number(process.hrtime.bigint() - logStarted) / 1e9;
    await producer.disconnect();

    const e2e = N / e2eSeconds;
    const log = N / logSeconds;
    console.log(`Intake: all ${bodies.length} requests answered after ${ackedSeconds.toFixed(2)} s (${Math.round(N / ackedSeconds)} events/s accepted into the log), all ${rows} kept events are rows after ${e2eSeconds.toFixed(2)} s`);
    console.log('\n| bench | Intake | log alone | ratio | target |');
    console.log('|---|---|---|---|---|');
    console.log(
      `| stream ingest end to end (${BATCH}-event NDJSON requests, 3 processors, into a table) vs the same bodies appended to the log | ${Math.round(e2e).toLocaleString('en')} events/s | ${Math.round(log).toLocaleString('en')} events/s | ${(e2e / log).toFixed(2)} | ≥ 30,000 events/s: ${e2e >= 30_000 ? 'met' : 'not met'} |`,
    );
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await pg.stop();
    request.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

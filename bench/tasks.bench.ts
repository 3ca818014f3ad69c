// npm run bench:tasks — seed 004's upsertion task end to end against streaming upsert of
// the same vectors, in ONE run on one Intake:
//   task:      POST /embeddings/upsertion-tasks/run with BENCH_TASK_N items (payload.text + a
//              few payload fields), the clock stops when the task is `done`; the worker embeds
//              (built-in hashing embedder), upserts through the collection's log and waits until
//              each batch is searchable, so `done` means every item is searchable.
//   streaming: the very same vectors (the same embedder, run here) with the same payloads as
//              metadata, sent by POST /vectordb/collections/{id}/streaming/upsert in requests of
//              the worker's batch size, one after another (a task runs its batches in order),
//              into a collection of the same shape; each call returns once searchable.
// Rounds alternate (streaming, task, streaming, task) so drift favours neither; best of each.
//
// Intake runs as a CHILD PROCESS (node dist/src/main.js, standalone: embedded broker and
// Postgres). Environment: BENCH_TASK_N=10000 items, BENCH_TASK_BATCH=256 (INTAKE_TASK_BATCH_ITEMS),
// BENCH_TASK_ROUNDS=2, BENCH_TASK_DIMENSION=384.

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchClient, freePort, must, startIntakeChild } from './intake-child';
import { hashingEmbed } from '../src/embeddings';
import { numberFromEnv } from './report';

const N = numberFromEnv('BENCH_TASK_N', 10_000);
const BATCH = numberFromEnv('BENCH_TASK_BATCH', 256);
const ROUNDS = numberFromEnv('BENCH_TASK_ROUNDS', 2);
const DIMENSION = numberFromEnv('BENCH_TASK_DIMENSION', 384);
const POLL_MS = 100;
const TOKEN = `intake_bench${randomBytes(24).toString('hex')}`;
const WORDS = ['vector', 'search', 'paper', 'learning', 'graph', 'index', 'neural', 'query', 'shard', 'log', 'embedding', 'model'];

function item(round: string, i: number) {
  const w = (k: number) => WORDS[(i * 7 + k * 3) % WORDS.length];
  return { object_id: `${round}-${i}`, payload: { text: `${w(0)} ${w(1)} ${w(2)} report ${i} on ${w(3)} systems`, source: 'bench', n: i } };
}

const request = benchClient(TOKEN, 8);

const seconds = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e9;

/** One task of N items, timed from the request to `done`. */
async function taskRound(url: string, round: string): Promise<number> {
  const body = JSON.stringify({ task_id: `bench-${round}`, items: Array.from({ length: N }, (_, i) => item(round, i)) });
  const started = process.hrtime.bigint();
  await must(request(url, 'POST', '/embeddings/upsertion-tasks/run', body), 201);
  for (;;) {
    const info = JSON.parse((await must(request(url, 'GET', `/embeddings/upsertion-tasks/info?task_id=bench-${round}`), 200)).body);
    if (info.status === 'done') {
      const s = seconds(started);
      if (info.progress.items_upserted !== N) throw new Error(`task ${round}: ${JSON.stringify(info.progress)}`);
      return N / s;
    }
    if (info.status !== 'pending' && info.status !== 'processing') throw new Error(`task ${round} ended ${info.status}`);
    // Polled gently: on a small machine a tight poll would take CPU from the worker it measures (≤ 0.1 s of a ~30 s run).
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The same vectors and payloads by streaming upsert, BATCH per request, in order. */
async function streamingRound(url: string, round: string): Promise<number> {
  // Embedded before the clock starts: the task's time includes embedding, so this favours streaming slightly.
  const bodies: string[] = [];
  for (let start = 0; start < N; start += BATCH) {
    const vectors = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      const it = item(round, i);
      vectors.push({ id: it.object_id, dense_values: Array.from(hashingEmbed(it.payload.text, DIMENSION)), metadata: it.payload });
    }
    bodies.push(JSON.stringify({ vectors }));
  }
  const started = process.hrtime.bigint();
  for (const b of bodies) await must(request(url, 'POST', '/vectordb/collections/bench-stream/streaming/upsert', b), 200);
  return N / seconds(started);
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-tasks-'));
  fs.chmodSync(root, 0o755);
  let child: ChildProcess | null = null;
  try {
    const app = await startIntakeChild({
        INTAKE_DATA_DIR: path.join(root, 'app'),
        INTAKE_BROKER_PORT: '0',
        INTAKE_PG_PORT: '0',
        INTAKE_LOG_LEVEL: 'warn',
        INTAKE_ADMIN_TOKEN: TOKEN,
        INTAKE_RATE_LIMIT_REQUESTS_PER_SECOND: '1000000',
        INTAKE_TASK_BATCH_ITEMS: String(BATCH),
        INTAKE_DEFAULT_COLLECTION_DIMENSION: String(DIMENSION),
    });
    child = app.child;
    const url = app.url;
    await must(request(url, 'POST', '/vectordb/collections', { name: 'bench-stream', dense_vector: { enabled: true, dimension: DIMENSION } }), 201);
    // Warm-up: the worker's consumer group forms, both paths compile.
    await must(request(url, 'POST', '/embeddings/upsertion-tasks/run', { task_id: 'warm', items: Array.from({ length: BATCH }, (_, i) => item('warm', i)) }), 201);
    for (;;) {
      const info = JSON.parse((await request(url, 'GET', '/embeddings/upsertion-tasks/info?task_id=warm')).body);
      if (info.status === 'done') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await streamingRound(url, 'warm');

    const task: number[] = [];
    const streaming: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      streaming.push(await streamingRound(url, `s${r}`));
      console.log(`round ${r + 1}: streaming upsert ${Math.round(streaming[r])} vectors/s`);
      task.push(await taskRound(url, `t${r}`));
      console.log(`round ${r + 1}: upsertion task ${Math.round(task[r])} items/s`);
    }
    // Searchable: the last task's last item is found by its own text.
    const last = item(`t${ROUNDS - 1}`, N - 1);
    const hit = JSON.parse((await must(request(url, 'POST', '/vectordb/collections/default/search/dense', { query_text: last.payload.text, top_k: 10 }), 200)).body);
    if (!hit.results.some((h: { id: string }) => h.id === last.object_id)) throw new Error(`the last item is not searchable: ${JSON.stringify(hit)}`);

    const bestTask = Math.max(...task);
    const bestStreaming = Math.max(...streaming);
    console.log('');
    console.log(`| measure | Intake | raw | ratio |`);
    console.log(`|---|---|---|---|`);
    console.log(
      `| upsertion task, ${N.toLocaleString('en')} items × ${DIMENSION}-d (hashing embedder), run → done (all searchable), ${BATCH} per batch, best of ${ROUNDS} | ` +
        `${Math.round(bestTask).toLocaleString('en')} items/s | streaming upsert of the same vectors + metadata, ${BATCH} per request, in order: ${Math.round(bestStreaming).toLocaleString('en')} vectors/s | ${(bestTask / bestStreaming).toFixed(2)} |`,
    );
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

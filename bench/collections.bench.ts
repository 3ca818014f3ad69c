// npm run bench:collections — Intake's vector paths against raw hnswlib-node, in one run:
//   1. streaming upsert end to end (HTTP → log → applied) vs raw addPoint      (target ratio ≥ 0.8)
//   2. search QPS over HTTP at recall@10 ≥ 0.95 vs raw in-process searchKnn    (target ratio ≥ 0.5)
//   3. binary batch ingest into the log (MB/s, rows/s)
//   4. finalize build of N × 128-d, 2 shards in worker threads, vs a raw single-thread build (target ≥ 1.8)
// Intake runs as a child process (`node dist/src/main.js`, standalone mode) so the
// benchmark's HTTP client does not share its event loop (it still shares the 2 cores).
// Data: clustered 128-d vectors (see vectors() below), the same for Intake and raw. Raw baselines run in this
// process while the child is idle. Sizes: BENCH_N (streaming, 20000), BENCH_BUILD_N (100000).

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { buildShard } from '../src/collections/build/shard-builder';
import { numberFromEnv } from './report';

const DIM = 128;
const M = 16;
const EF_CONSTRUCTION = 200;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Clustered data (a mixture of Gaussians around CLUSTERS random centres), shaped
 * more like real embeddings than uniform noise, on which HNSW needs far larger
 * ef for the same recall. The same generator feeds Intake and the raw baselines.
 */
const CLUSTERS = 64;
const CLUSTER_SPREAD = 0.35;
const centres = (() => {
  const r = rng(999);
  return Array.from({ length: CLUSTERS }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
})();

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function vectors(n: number, seed: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(r() * CLUSTERS)];
    return c.map((x) => x + CLUSTER_SPREAD * gaussian(r));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startIntake(): Promise<{ url: string; child: ChildProcess; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'main.js')], {
    env: { ...process.env, INTAKE_DATA_DIR: dir, PORT: String(port), INTAKE_BROKER_PORT: '0', INTAKE_PG_PORT: '0', INTAKE_LOG_LEVEL: 'warn', INTAKE_APPLY_TIMEOUT_MS: '600000' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d.toString();
      const m = /Intake listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`intake exited with ${code}: ${out}`)));
  });
  return { url, child, dir };
}

async function post(url: string, body: unknown, contentType = 'application/json'): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    return await postOnce(url, body, contentType);
  } catch (err) {
    // A keep-alive socket idle through a long finalize can be closed by the server just as
    // it is reused (undici's timers are coarse); searches are safe to send again.
    if (url.includes('/search/') && (err as { cause?: { code?: string } }).cause?.code === 'UND_ERR_SOCKET') return postOnce(url, body, contentType);
    throw err;
  }
}

async function postOnce(url: string, body: unknown, contentType: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: contentType === 'application/json' ? JSON.stringify(body) : (body as Buffer),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${url} → ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Runs `count` tasks with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

function cosineTop(query: number[], data: number[][], k: number): number[] {
  const qn = Math.hypot(...query);
  return data
    .map((v, i) => {
      let dot = 0;
      for (let j = 0; j < DIM; j++) dot += v[j] * query[j];
      return { i, s: dot / (qn * Math.hypot(...v)) };
    })
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.i);
}

function recall(got: number[][], exact: number[][]): number {
  let hits = 0;
  got.forEach((g, q) => {
    const want = new Set(exact[q]);
    hits += g.filter((i) => want.has(i)).length;
  });
  return hits / (exact.length * exact[0].length);
}

interface Row {
  name: string;
  value: number;
  unit: string;
  raw: number | null;
  target: number | null;
  note?: string;
}

function print(rows: Row[]): void {
  const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
  console.log('\nIntake vector paths vs raw hnswlib-node (128-d, M=16, ef_construction=200; Intake in a child process)');
  console.log(`${'measure'.padEnd(52)}${'intake'.padStart(12)}  ${'unit'.padEnd(10)}${'raw'.padStart(12)}${'ratio'.padStart(8)}${'target'.padStart(8)}  verdict`);
  for (const r of rows) {
    const ratio = r.raw ? r.value / r.raw : null;
    const verdict = r.target === null || ratio === null ? '' : ratio >= r.target ? 'met' : 'NOT MET';
    console.log(
      `${r.name.padEnd(52)}${fmt(r.value).padStart(12)}  ${r.unit.padEnd(10)}${(r.raw === null ? '-' : fmt(r.raw)).padStart(12)}` +
        `${(ratio === null ? '-' : ratio.toFixed(2)).padStart(8)}${(r.target === null ? '-' : `≥${r.target}`).padStart(8)}  ${verdict}${r.note ? `  (${r.note})` : ''}`,
    );
  }
}

async function main(): Promise<void> {
  const N = numberFromEnv('BENCH_N', 20_000);
  const BUILD_N = numberFromEnv('BENCH_BUILD_N', 100_000);
  const BATCH = 500;
  const data = vectors(N, 1);
  const queries = vectors(200, 2);
  const rows: Row[] = [];

  // Raw baselines first, while nothing else runs.
  const raw = new HierarchicalNSW('cosine', DIM);
  raw.initIndex(N, M, EF_CONSTRUCTION, 100);
  let t = Date.now();
  data.forEach((v, i) => raw.addPoint(v, i));
  const rawAddPerSec = N / ((Date.now() - t) / 1000);
  const exact = queries.map((q) => cosineTop(q, data, 10));
  const rawSearch = (ef: number) => {
    raw.setEf(ef);
    const got = queries.map((q) => raw.searchKnn(q, 10).neighbors);
    const rounds = 10;
    t = Date.now();
    for (let r = 0; r < rounds; r++) for (const q of queries) raw.searchKnn(q, 10);
    return { qps: (rounds * queries.length) / ((Date.now() - t) / 1000), recall: recall(got, exact) };
  };

  const phase = (what: string) => console.error(`[bench] ${new Date().toISOString().slice(11, 19)} ${what}`);
  phase(`raw addPoint ${Math.round(rawAddPerSec)}/s; starting Intake`);
  const intake = await startIntake();
  try {
    const base = intake.url;
    await post(`${base}/vectordb/collections`, { name: 'bench', dense_vector: { enabled: true, dimension: DIM }, hnsw: { M, ef_construction: EF_CONSTRUCTION, ef_search: 64 } });
    phase('streaming upsert');
    t = Date.now();
    await pool(Math.ceil(N / BATCH), 4, async (b) => {
      const vs = data.slice(b * BATCH, (b + 1) * BATCH).map((v, j) => ({ id: String(b * BATCH + j), dense_values: v }));
      await post(`${base}/vectordb/collections/bench/streaming/upsert`, { vectors: vs });
    });
    const upsertPerSec = N / ((Date.now() - t) / 1000);
    rows.push({ name: `streaming upsert, HTTP→log→visible (${N}, ${BATCH}/req, 4 clients)`, value: upsertPerSec, unit: 'vectors/s', raw: rawAddPerSec, target: 0.8 });

    phase('search');
    // Search: the smallest ef reaching recall@10 ≥ 0.95 over HTTP.
    let chosen = { ef: 0, recall: 0 };
    for (const ef of [64, 128, 256, 512]) {
      const got = await Promise.all(
        queries.map((q) => post(`${base}/vectordb/collections/bench/search/dense`, { query_vector: q, top_k: 10, ef_search: ef, consistency: 'eventual' })),
      );
      const r = recall(got.map((g) => g.results.map((x: { id: string }) => Number(x.id))), exact);
      chosen = { ef, recall: r };
      if (r >= 0.95) break;
    }
    const rawAtEf = rawSearch(chosen.ef);
    for (const consistency of ['eventual', 'strong'] as const) {
      const total = 4_000;
      t = Date.now();
      await pool(total, 16, async (i) => {
        await post(`${base}/vectordb/collections/bench/search/dense`, { query_vector: queries[i % queries.length], top_k: 10, ef_search: chosen.ef, consistency });
      });
      const qps = total / ((Date.now() - t) / 1000);
      rows.push({
        name: `search top-10 over HTTP, ${consistency}, 16 in flight`,
        value: qps,
        unit: 'queries/s',
        raw: rawAtEf.qps,
        target: 0.5,
        note: `ef=${chosen.ef}, recall@10 ${chosen.recall.toFixed(3)} (raw ${rawAtEf.recall.toFixed(3)})`,
      });
    }

    phase('binary ingest');
    // Index session: binary batch ingest, then finalize with 2 shards in workers.
    const buildData = new Float32Array(BUILD_N * DIM);
    vectors(BUILD_N, 3).forEach((v, i) => buildData.set(v, i * DIM));
    const buildIds = Array.from({ length: BUILD_N }, (_, i) => `b${i}`);
    await post(`${base}/vectordb/collections`, { name: 'built', dense_vector: { enabled: true, dimension: DIM }, shards: 2, hnsw: { M, ef_construction: EF_CONSTRUCTION, ef_search: 128 } });
    await post(`${base}/init`, { index_name: 'built', mode: 'build' });
    const rowSize = 32 + DIM * 4;
    const ROWS_PER_REQ = 20_000;
    t = Date.now();
    for (let start = 0; start < BUILD_N; start += ROWS_PER_REQ) {
      const n = Math.min(ROWS_PER_REQ, BUILD_N - start);
      const body = Buffer.alloc(n * rowSize);
      for (let r = 0; r < n; r++) {
        body.write(buildIds[start + r], r * rowSize, 'ascii');
        Buffer.from(buildData.buffer, (start + r) * DIM * 4, DIM * 4).copy(body, r * rowSize + 32);
      }
      await post(`${base}/ingest/batch?index_name=built`, body, 'application/octet-stream');
    }
    const ingestSeconds = (Date.now() - t) / 1000;
    rows.push({ name: `binary batch ingest into the log (${BUILD_N} rows)`, value: (BUILD_N * rowSize) / 1e6 / ingestSeconds, unit: 'MB/s', raw: null, target: null, note: `${Math.round(BUILD_N / ingestSeconds).toLocaleString('en-US')} rows/s` });

    phase('finalize');
    t = Date.now();
    await post(`${base}/finalize`, { index_name: 'built', optimize: true, params: { M, ef_construction: EF_CONSTRUCTION, ef_search: 128, rng_seed: 1 } });
    const finalizeSeconds = (Date.now() - t) / 1000;
    const buildQueries = vectors(100, 4);
    const rowsOf = (i: number) => Array.from(buildData.subarray(i * DIM, (i + 1) * DIM));
    const allRows = Array.from({ length: BUILD_N }, (_, i) => rowsOf(i));
    const buildExact = buildQueries.map((q) => cosineTop(q, allRows, 10));
    let buildRecall = 0;
    let buildEf = 0;
    for (const ef of [64, 128, 256, 512, 1024]) {
      const got = await Promise.all(buildQueries.map((q) => post(`${base}/vectordb/collections/built/search/dense`, { query_vector: q, top_k: 10, ef_search: ef })));
      buildRecall = recall(got.map((g) => g.results.map((x: { id: string }) => Number(x.id.slice(1)))), buildExact);
      buildEf = ef;
      if (buildRecall >= 0.95) break;
    }

    phase('raw single-thread build');
    // Raw single-thread build of the same rows, while the child is idle.
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-raw-'));
    t = Date.now();
    buildShard({ dimension: DIM, metric: 'cosine', hnsw: { M, efConstruction: EF_CONSTRUCTION, efSearch: 128, randomSeed: 1 }, rows: { ids: buildIds, vectors: buildData }, baseDir: null, exactCapacity: true, outDir });
    const rawBuildSeconds = (Date.now() - t) / 1000;
    fs.rmSync(outDir, { recursive: true, force: true });
    rows.push({
      name: `finalize build, ${BUILD_N} rows, 2 shards in workers`,
      value: BUILD_N / finalizeSeconds,
      unit: 'rows/s',
      raw: BUILD_N / rawBuildSeconds,
      target: 1.8,
      note: `${finalizeSeconds.toFixed(1)} s vs raw single thread ${rawBuildSeconds.toFixed(1)} s; recall@10 ${buildRecall.toFixed(3)} at ef=${buildEf}`,
    });
  } finally {
    intake.child.kill('SIGTERM');
    await new Promise((r) => intake.child.once('exit', r));
    fs.rmSync(intake.dir, { recursive: true, force: true });
  }
  print(rows);
  console.log(`\nmachine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// npm run bench:collections — Intake's vector paths against raw hnswlib-node, in ONE run:
//   1. streaming upsert end to end (HTTP → log → applied, i.e. the upsert call returned)
//      vs raw HierarchicalNSW.addPoint, same space/M/ef_construction/N, single thread
//      (target ratio ≥ 0.8 for a 1-shard collection, ≥ 1.4 for 2 shards: one worker thread each)
//   2. search QPS over HTTP at recall@10 ≥ 0.95 (ef_search: the first of 64/128/256, then 512/1024, whose
//      recall against exact brute force reaches 0.95), consistency "eventual" and "strong",
//      vs raw in-process searchKnn QPS on the same data at the raw index's own smallest ef reaching
//      that recall (both sides answer at recall@10 ≥ 0.95; the same-ef ratio is printed as a note)
//      (target ratio ≥ 0.5 for 1 shard, ≥ 0.8 for 2 shards searched in parallel)
//   Both are measured for each shard count of BENCH_SHARDS (default 1,2), in that order.
//   (opt-in, BENCH_BUILD_N > 0) 3. binary batch ingest into the log, 4. finalize build in
//      2 worker-thread shards vs a raw single-thread build (target ≥ 1.8).
//
// Intake runs as a CHILD PROCESS (`node dist/src/main.js`, standalone: embedded broker and
// embedded Postgres, on a temporary data dir), so this process's HTTP client does not share
// the app's event loop; both still share the machine's cores. Raw hnswlib baselines run in
// this process BEFORE the child starts or AFTER it stopped, never while it exists. Each side of a
// ratio is the best of BENCH_TRIALS trials (raw trials bracket Intake's in time), and a row is
// starred when other processes on the machine competed for the cores during one of its trials.
//
// Environment (all optional):
//   BENCH_N=20000               vectors upserted (and added to the raw index)
//   BENCH_BATCH=500             vectors per upsert request
//   BENCH_UPSERT_CLIENTS=4      concurrent upsert requests
//   BENCH_SEARCH_CONCURRENCY=16 search requests in flight (keep-alive)
//   BENCH_SEARCH_SECONDS=5      length of each timed HTTP search window (raw windows: min(this, 3))
//   BENCH_TRIALS=2              trials per measurement; each side of a ratio is its best trial
//   BENCH_DATA=uniform          'uniform' (i.i.d. in [-1, 1]) or 'clustered' (64 Gaussian clusters)
//   BENCH_SHARDS=1,2            collection shapes measured by rows 1 and 2
//   BENCH_BUILD_N=0             > 0 adds the index-session rows (3, 4) with that many rows
//   BENCH_CHILD_NODE_OPTIONS    NODE_OPTIONS for the Intake child only
//   BENCH_CHILD_EXEC_ARGV       extra node flags for the child (space-separated), e.g.
//                               "--cpu-prof --cpu-prof-dir=/tmp/intake-prof" (Node refuses
//                               --cpu-prof in NODE_OPTIONS); phase lines then show seconds since spawn
//   BENCH_KEEP_CHILD_OUTPUT=1   forward the child's stdout after startup (stderr always is)

import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';
import { clusteredVectors, randomVectors } from '../test/support/vectors';
import { freePort } from './intake-child';
import { ProcStat, allProcStats, descendantsOf, pool, threadStats } from './report';

const DIM = 128;
const M = 16;
const EF_CONSTRUCTION = 200;
/** hnswlib's default seed, which Intake's ShardIndex also uses when none is given. */
const RANDOM_SEED = 100;
const K = 10;
const QUERY_COUNT = 200;
const RECALL_TARGET = 0.95;
const EF_CANDIDATES = [64, 128, 256];
/** Tried only when none of EF_CANDIDATES reaches the recall target (reported as such). */
const EF_FALLBACK = [512, 1024];

// ---------------------------------------------------------------- small helpers

function envInt(name: string, fallback: number, min = 0): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, got '${raw}'`);
  return n;
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

let spawnedAt: number | null = null;

function phase(what: string): void {
  const since = spawnedAt === null ? '' : ` +${(now() - spawnedAt).toFixed(3)}s since spawn`;
  console.error(`[bench ${new Date().toISOString().slice(11, 23)}${since}] ${what}`);
}

/** 64 Gaussian clusters, their centres from seed 999. */
const CLUSTERS = { clusters: 64, spread: 0.35, centreSeed: 999 };

/** Seeded (mulberry32): every run, and Intake vs raw, sees the same vectors. */
function vectors(n: number, seed: number, kind: string): number[][] {
  if (kind === 'uniform') return randomVectors(n, DIM, seed);
  if (kind !== 'clustered') throw new Error(`BENCH_DATA must be 'uniform' or 'clustered', got '${kind}'`);
  return clusteredVectors(n, DIM, seed, CLUSTERS);
}

/** Exact cosine top-k of every query over `data` (brute force on normalised float64). */
function exactTopK(data: number[][], queries: number[][], k: number): number[][] {
  const n = data.length;
  const flat = new Float64Array(n * DIM);
  data.forEach((v, i) => {
    const norm = Math.hypot(...v);
    for (let j = 0; j < DIM; j++) flat[i * DIM + j] = v[j] / norm;
  });
  return queries.map((q) => {
    const best: { i: number; s: number }[] = [];
    for (let i = 0; i < n; i++) {
      let dot = 0;
      const o = i * DIM;
      for (let j = 0; j < DIM; j++) dot += flat[o + j] * q[j];
      if (best.length < k || dot > best[best.length - 1].s) {
        best.push({ i, s: dot });
        best.sort((a, b) => b.s - a.s);
        if (best.length > k) best.pop();
      }
    }
    return best.map((b) => b.i);
  });
}

function recallAt(got: number[][], exact: number[][]): number {
  let hits = 0;
  let want = 0;
  got.forEach((g, q) => {
    const truth = new Set(exact[q]);
    hits += g.filter((i) => truth.has(i)).length;
    want += truth.size;
  });
  return hits / want;
}

// ---------------------------------------------------------------- CPU accounting (Linux /proc)

/**
 * Cores kept busy (CPU seconds / wall seconds) over a window by: this process, the Intake
 * node process, its Postgres processes, and everything else on the machine (a shared box
 * should say when someone else was using the cores being measured).
 */
class CpuWindow {
  private readonly self0 = process.cpuUsage();
  private readonly procs0 = allProcStats();
  private readonly threads0: Map<number, ProcStat>;
  private readonly t0 = now();

  constructor(private readonly childPid: number | null) {
    this.threads0 = childPid === null ? new Map() : threadStats(childPid);
  }

  /** The Intake child's main thread, then its busiest other threads (the shard workers), in cores. */
  private threads(wall: number): { main: number; others: number[] } | null {
    if (this.childPid === null) return null;
    const used = [...threadStats(this.childPid)].map(([tid, s]) => [tid, (s.cpu - (this.threads0.get(tid)?.cpu ?? 0)) / wall] as const);
    const main = used.find(([tid]) => tid === this.childPid)?.[1] ?? 0;
    return { main, others: used.filter(([tid, c]) => tid !== this.childPid && c >= 0.05).map(([, c]) => c).sort((a, b) => b - a) };
  }

  cores(): { bench: number; intake: number | null; postgres: number | null; others: number; threads: { main: number; others: number[] } | null } {
    const wall = now() - this.t0;
    const u = process.cpuUsage(this.self0);
    const procs = allProcStats();
    const delta = (pid: number) => Math.max(0, (procs.get(pid)?.cpu ?? 0) - (this.procs0.get(pid)?.cpu ?? 0));
    const mine = this.childPid === null ? new Set<number>() : descendantsOf(this.childPid, procs);
    let postgres = 0;
    let others = 0;
    for (const pid of procs.keys()) {
      if (pid === process.pid || pid === this.childPid) continue;
      if (mine.has(pid)) postgres += delta(pid);
      else others += delta(pid);
    }
    return {
      threads: this.threads(wall),
      bench: (u.user + u.system) / 1e6 / wall,
      intake: this.childPid === null ? null : delta(this.childPid) / wall,
      postgres: this.childPid === null ? null : postgres / wall,
      others: others / wall,
    };
  }
}

function coresNote(c: ReturnType<CpuWindow['cores']>): string {
  const f = (x: number | null) => (x === null ? '?' : x.toFixed(2));
  const threads = c.threads ? ` (main thread ${f(c.threads.main)}${c.threads.others.length ? `, other threads ${c.threads.others.map(f).join(' / ')}` : ''})` : '';
  const intake = c.intake === null ? '' : `intake node ${f(c.intake)}${threads}, its postgres ${f(c.postgres)}, `;
  return `CPU cores busy: ${intake}bench process ${f(c.bench)}, other processes on the machine ${f(c.others)}`;
}

// ---------------------------------------------------------------- the Intake child

interface Child {
  url: string;
  proc: ChildProcess;
  dir: string;
}

/** The admin token the bench's Intake is started with (INTAKE_ADMIN_TOKEN); every request sends it. */
const BENCH_TOKEN = `intake_bench${randomBytes(24).toString('hex')}`;

async function startChild(auth: 'on' | 'off' = 'on'): Promise<Child> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-collections-'));
  fs.chmodSync(dir, 0o755); // embedded Postgres drops root privileges and must still reach it
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    INTAKE_DATA_DIR: dir,
    PORT: String(port),
    INTAKE_BROKER_PORT: '0',
    INTAKE_PG_PORT: '0',
    INTAKE_LOG_LEVEL: 'warn',
    INTAKE_ADMIN_TOKEN: BENCH_TOKEN,
    INTAKE_AUTH: auth,
    // The limiter still runs on every request; only its ceiling is out of the way of a throughput test.
    INTAKE_RATE_LIMIT_REQUESTS_PER_SECOND: '10000000',
  };
  if (process.env.BENCH_CHILD_NODE_OPTIONS !== undefined) env.NODE_OPTIONS = process.env.BENCH_CHILD_NODE_OPTIONS;
  const main = path.join(__dirname, '..', 'src', 'main.js');
  const execArgv = (process.env.BENCH_CHILD_EXEC_ARGV ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...execArgv, main], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  spawnedAt = now();
  const forward = process.env.BENCH_KEEP_CHILD_OUTPUT === '1';
  const started = new Promise<string>((resolve, reject) => {
    let out = '';
    let ready = false;
    proc.stdout!.on('data', (d: Buffer) => {
      // Always drained (a full pipe would stall the child); startup lines stay private
      // because they include the freshly generated admin token.
      if (ready) {
        if (forward) process.stderr.write(`[intake] ${d.toString()}`);
        return;
      }
      out += d.toString();
      const m = /Intake listening on (\S+)/.exec(out);
      if (m) {
        ready = true;
        resolve(m[1]);
      }
    });
    proc.once('exit', (code, signal) => reject(new Error(`Intake exited during startup (code ${code}, signal ${signal})`)));
    proc.once('error', reject);
  });
  try {
    return { url: await started, proc, dir };
  } catch (err) {
    await stopChild({ url: '', proc, dir });
    throw err;
  }
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.pid !== undefined && child.proc.exitCode === null && child.proc.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.proc.once('exit', () => resolve()));
    child.proc.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000).unref());
    if ((await Promise.race([exited, timer])) === 'timeout') {
      console.error('[bench] Intake did not stop within 60 s of SIGTERM; sending SIGKILL');
      child.proc.kill('SIGKILL');
      await exited;
    }
  }
  fs.rmSync(child.dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- HTTP client

class HttpError extends Error {}

/**
 * node:http with a keep-alive agent rather than global fetch: on a 2-core machine the
 * client's own CPU matters, and undici's fetch costs several times more per request.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function postOnce(url: URL, body: string | Buffer, contentType: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: 'POST',
        agent,
        headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body), authorization: `Bearer ${BENCH_TOKEN}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const buf = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          if ((res.statusCode ?? 0) >= 300) reject(new HttpError(`POST ${url.href} → ${res.statusCode} ${buf.toString('utf8').slice(0, 500)}`));
          else resolve(buf);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** POSTs a body; retries once if a kept-alive socket was closed under it (every call here is idempotent). */
async function post(url: URL, body: string | Buffer, contentType = 'application/json'): Promise<Buffer> {
  try {
    return await postOnce(url, body, contentType);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!(err instanceof HttpError) && (code === 'ECONNRESET' || code === 'EPIPE')) return postOnce(url, body, contentType);
    throw err;
  }
}

async function postJson<T>(url: string | URL, body: unknown): Promise<T> {
  return JSON.parse((await post(new URL(url), JSON.stringify(body))).toString('utf8')) as T;
}

/** Keeps `concurrency` tasks in flight for `seconds`; returns completions per second. */
async function closedLoop(seconds: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ perSecond: number; done: number }> {
  let next = 0;
  let done = 0;
  const start = now();
  const deadline = start + seconds;
  let last = start;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (now() < deadline) {
        await task(next++);
        done++;
        last = now();
      }
    }),
  );
  return { perSecond: done / (last - start), done };
}

// ---------------------------------------------------------------- raw hnswlib-node

function rawSearchQps(index: HierarchicalNSW, queries: number[][], ef: number, seconds: number): { qps: number; got: number[][] } {
  index.setEf(ef);
  const got = queries.map((q) => index.searchKnn(q, K).neighbors);
  let done = 0;
  const start = now();
  let t = start;
  while (t - start < seconds) {
    for (const q of queries) index.searchKnn(q, K);
    done += queries.length;
    t = now();
  }
  return { qps: done / (t - start), got };
}

// ---------------------------------------------------------------- the table

interface Row {
  name: string;
  value: number;
  unit: string;
  raw: number | null;
  /** Compared with value/raw, or with value itself when `absolute`. */
  target: number | null;
  absolute?: boolean;
  /** Other processes competed for the cores during a trial of this row (see CONTENDED_CORES). */
  contended?: boolean;
}

/** Other processes' CPU (cores, averaged over a window) above which a window is called contended. */
const CONTENDED_CORES = 0.25;

function fmt(n: number): string {
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

function table(rows: Row[]): string {
  const header = ['measure', 'value', 'unit', 'raw baseline', 'ratio', 'target', 'verdict'];
  const cells = rows.map((r) => {
    const ratio = r.raw ? r.value / r.raw : null;
    const judged = r.absolute ? r.value : ratio;
    const verdict = (r.target === null || judged === null ? '-' : judged >= r.target ? 'MET' : 'MISSED') + (r.contended ? '*' : '');
    const target = r.target === null ? '-' : r.absolute ? `≥ ${r.target} abs` : `≥ ${r.target.toFixed(2)}`;
    return [r.name, fmt(r.value), r.unit, r.raw === null ? '-' : fmt(r.raw), ratio === null ? '-' : ratio.toFixed(2), target, verdict];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => (i === 0 || i === 2 || i === 6 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

// ---------------------------------------------------------------- main

interface SearchResponse {
  results: { id: string; score: number }[];
}

let running: Child | null = null;

type Cores = ReturnType<CpuWindow['cores']>;

/** Shard counts measured, in order; the 1-shard rows compare with earlier runs, the 2-shard ones use a worker per shard. */
const SHARD_COUNTS = (process.env.BENCH_SHARDS ?? '1,2').split(',').map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_SHARDS must list positive integers, got '${x}'`);
  return n;
});

interface ShapeResult {
  shards: number;
  upserts: { seconds: number; cores: Cores }[];
  chosen: { ef: number; recall: number; fallback: boolean };
  recallByEf: string[];
  search: Map<'eventual' | 'strong', { qps: number; done: number; cores: Cores }[]>;
}

interface ShapeInput {
  N: number;
  BATCH: number;
  CLIENTS: number;
  TRIALS: number;
  SEARCH_CONCURRENCY: number;
  SEARCH_SECONDS: number;
  upsertBodies: Buffer[];
  queries: number[][];
  exact: number[][];
  pid: number | null;
}

/** Streaming upsert trials into fresh collections of `shards` shards, then recall per ef and search QPS on the first. */
async function measureShape(base: string, shards: number, x: ShapeInput): Promise<ShapeResult> {
  const upserts: ShapeResult['upserts'] = [];
  const prefix = `bench-s${shards}`;
  // ---- 1. streaming upsert, end to end: one fresh collection per trial; searches use the first.
  for (let trial = 1; trial <= x.TRIALS; trial++) {
    const name = `${prefix}-t${trial}`;
    await postJson(`${base}/vectordb/collections`, {
      name,
      dense_vector: { enabled: true, dimension: DIM },
      metric: 'cosine',
      hnsw: { M, ef_construction: EF_CONSTRUCTION, ef_search: 64 },
      shards,
    });
    phase(`streaming upsert into '${name}' (${shards} shard(s)), trial ${trial}/${x.TRIALS}: ${x.N} vectors, ${x.BATCH}/request, ${x.CLIENTS} concurrent clients`);
    const url = new URL(`${base}/vectordb/collections/${name}/streaming/upsert`);
    const cpu = new CpuWindow(x.pid);
    const t = now();
    await pool(x.upsertBodies.length, x.CLIENTS, async (b) => {
      await post(url, x.upsertBodies[b]);
    });
    upserts.push({ seconds: now() - t, cores: cpu.cores() });
  }

  // ---- 2. search: the smallest ef whose recall@10 over HTTP reaches the target, then QPS.
  const coll = `${base}/vectordb/collections/${prefix}-t1`;
  phase(`search on ${shards} shard(s): recall@10 over HTTP per ef_search`);
  const recallAtEf = async (ef: number): Promise<number> => {
    const got: number[][] = new Array(x.queries.length);
    await pool(x.queries.length, 8, async (i) => {
      const r = await postJson<SearchResponse>(`${coll}/search/dense`, { query_vector: x.queries[i], top_k: K, ef_search: ef, consistency: 'eventual' });
      got[i] = r.results.map((h) => Number(h.id));
    });
    return recallAt(got, x.exact);
  };
  let chosen = { ef: 0, recall: 0, fallback: false };
  const recallByEf: string[] = [];
  for (const ef of [...EF_CANDIDATES, ...EF_FALLBACK]) {
    const r = await recallAtEf(ef);
    recallByEf.push(`ef=${ef}: ${r.toFixed(3)}`);
    chosen = { ef, recall: r, fallback: !EF_CANDIDATES.includes(ef) };
    if (r >= RECALL_TARGET) break;
  }

  const searchUrl = new URL(`${coll}/search/dense`);
  const bodies = {
    eventual: x.queries.map((q) => Buffer.from(JSON.stringify({ query_vector: q, top_k: K, ef_search: chosen.ef, consistency: 'eventual' }))),
    strong: x.queries.map((q) => Buffer.from(JSON.stringify({ query_vector: q, top_k: K, ef_search: chosen.ef, consistency: 'strong' }))),
  };
  const search: ShapeResult['search'] = new Map([
    ['eventual', []],
    ['strong', []],
  ]);
  // Windows alternate (eventual, strong, eventual, ...) so drift hits both alike.
  for (let trial = 1; trial <= x.TRIALS; trial++) {
    for (const consistency of ['eventual', 'strong'] as const) {
      const once = (i: number) => post(searchUrl, bodies[consistency][i % QUERY_COUNT]).then(() => undefined);
      phase(`search QPS on ${shards} shard(s), consistency=${consistency}, ef=${chosen.ef}, ${x.SEARCH_CONCURRENCY} in flight, ${x.SEARCH_SECONDS} s, trial ${trial}/${x.TRIALS}`);
      await pool(QUERY_COUNT, x.SEARCH_CONCURRENCY, once); // warm-up: sockets, JIT
      const cpu = new CpuWindow(x.pid);
      const r = await closedLoop(x.SEARCH_SECONDS, x.SEARCH_CONCURRENCY, once);
      search.get(consistency)!.push({ qps: r.perSecond, done: r.done, cores: cpu.cores() });
    }
  }
  return { shards, upserts, chosen, recallByEf, search };
}

async function main(): Promise<void> {
  const N = envInt('BENCH_N', 20_000, 1);
  const BATCH = envInt('BENCH_BATCH', 500, 1);
  const CLIENTS = envInt('BENCH_UPSERT_CLIENTS', 4, 1);
  const SEARCH_CONCURRENCY = envInt('BENCH_SEARCH_CONCURRENCY', 16, 1);
  const SEARCH_SECONDS = envInt('BENCH_SEARCH_SECONDS', 5, 0.5);
  const TRIALS = envInt('BENCH_TRIALS', 2, 1);
  const BUILD_N = envInt('BENCH_BUILD_N', 0, 0);
  const DATA = process.env.BENCH_DATA ?? 'uniform';
  const RAW_SEARCH_SECONDS = Math.min(SEARCH_SECONDS, 3);
  const started = now();

  phase(`generating ${N} + ${QUERY_COUNT} ${DATA} ${DIM}-d vectors and exact top-${K}`);
  const data = vectors(N, 1, DATA);
  const queries = vectors(QUERY_COUNT, 2, DATA);
  const exact = exactTopK(data, queries, K);

  // ---- raw baselines, in this process, before Intake exists. Each side of every ratio
  // is the best of TRIALS runs: this box's speed drifts by ±10-20 % from minute to minute.
  // Raw trials bracket Intake's in time: odd trials before Intake starts, even ones after it stopped.
  const rawAdd: { seconds: number; cores: Cores; when: 'before' | 'after' }[] = [];
  const rawAddTrial = (trial: number, when: 'before' | 'after'): HierarchicalNSW => {
    phase(`raw hnswlib-node addPoint, trial ${trial}/${TRIALS} (single thread, in process, ${when} Intake)`);
    const index = new HierarchicalNSW('cosine', DIM);
    index.initIndex(N, M, EF_CONSTRUCTION, RANDOM_SEED);
    const cpu = new CpuWindow(null);
    const t = now();
    for (let i = 0; i < N; i++) index.addPoint(data[i], i);
    rawAdd.push({ seconds: now() - t, cores: cpu.cores(), when });
    return index;
  };
  const rawIndex = rawAddTrial(1, 'before');
  for (let trial = 3; trial <= TRIALS; trial += 2) rawAddTrial(trial, 'before');
  // The first fallback ef is measured up front too: uniform 128-d data needs it.
  const rawEfs = [...EF_CANDIDATES, EF_FALLBACK[0]];
  phase(`raw searchKnn at ef ${rawEfs.join('/')}, ${RAW_SEARCH_SECONDS} s each`);
  const rawAtEf = new Map<number, { qps: number[]; recall: number; cores: Cores[] }>();
  const measureRawSearch = (ef: number) => {
    const cpu = new CpuWindow(null);
    const r = rawSearchQps(rawIndex, queries, ef, RAW_SEARCH_SECONDS);
    const entry = rawAtEf.get(ef) ?? { qps: [], recall: recallAt(r.got, exact), cores: [] };
    entry.qps.push(r.qps);
    entry.cores.push(cpu.cores());
    rawAtEf.set(ef, entry);
  };
  for (const ef of rawEfs) measureRawSearch(ef);
  if (![...rawAtEf.values()].some((r) => r.recall >= RECALL_TARGET)) measureRawSearch(EF_FALLBACK[1]);
  // The raw side of a search ratio runs at ITS smallest ef reaching the recall target, as
  // Intake's side does: both answer at recall@10 ≥ 0.95. A sharded collection may get there
  // at a smaller ef (each shard is a smaller graph), so a same-ef ratio is printed as a note.
  const rawEf = [...rawAtEf.keys()].find((ef) => rawAtEf.get(ef)!.recall >= RECALL_TARGET) ?? Math.max(...rawAtEf.keys());

  // Request bodies are serialised before any timing: the client's JSON cost is not Intake's.
  const upsertBodies: Buffer[] = [];
  for (let b = 0; b * BATCH < N; b++) {
    const vs = [];
    for (let i = b * BATCH; i < Math.min(N, (b + 1) * BATCH); i++) vs.push({ id: String(i), dense_values: data[i] });
    upsertBodies.push(Buffer.from(JSON.stringify({ vectors: vs })));
  }
  const upsertBytes = upsertBodies.reduce((n, s) => n + s.length, 0);

  phase('starting Intake as a child process (node dist/src/main.js)');
  const child = await startChild();
  running = child;
  const rows: Row[] = [];
  const notes: string[] = [];
  const buildNotes: string[] = [];
  const shapes: ShapeResult[] = [];
  try {
    const base = child.url;
    // ---- 1, 2 per collection shape (1 shard, then 2: one index per worker thread).
    for (const shards of SHARD_COUNTS) {
      shapes.push(await measureShape(base, shards, { N, BATCH, CLIENTS, TRIALS, SEARCH_CONCURRENCY, SEARCH_SECONDS, upsertBodies, queries, exact, pid: child.proc.pid ?? null }));
    }

    // ---- 3, 4 (opt-in): index session binary ingest and finalize build
    if (BUILD_N > 0) await buildRows(base, BUILD_N, DATA, rows, buildNotes);

    phase('stopping Intake (SIGTERM)');
    await stopChild(child);
    running = null;
  } finally {
    if (running) {
      await stopChild(running).catch((err) => console.error(err));
      running = null;
    }
  }

  // ---- 5. the cost of auth: the same upsert and strong search on Intake with INTAKE_AUTH=on and =off,
  // in the order on, off, off, on (…) so drift hits both alike; the ratio is on/off (target ≥ 0.95).
  const authTrials: { auth: 'on' | 'off'; upsertSeconds: number; strongQps: number }[] = [];
  if (process.env.BENCH_AUTH_COMPARE !== '0') {
    for (let trial = 1; trial <= TRIALS; trial++) {
      // on, off, off, on, …: a machine that speeds up or slows down over the run favours neither side.
      for (const auth of trial % 2 === 1 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        phase(`auth ${auth}: streaming upsert + strong search, trial ${trial}/${TRIALS}`);
        const c = await startChild(auth);
        running = c;
        try {
          await postJson(`${c.url}/vectordb/collections`, { name: 'auth', dense_vector: { enabled: true, dimension: DIM }, metric: 'cosine', hnsw: { M, ef_construction: EF_CONSTRUCTION, ef_search: 64 }, shards: 1 });
          const url = new URL(`${c.url}/vectordb/collections/auth/streaming/upsert`);
          const t = now();
          await pool(upsertBodies.length, CLIENTS, async (b) => {
            await post(url, upsertBodies[b]);
          });
          const upsertSeconds = now() - t;
          const searchUrl = new URL(`${c.url}/vectordb/collections/auth/search/dense`);
          const body = queries.map((q) => Buffer.from(JSON.stringify({ query_vector: q, top_k: K, ef_search: shapes[0].chosen.ef })));
          const once = (i: number) => post(searchUrl, body[i % QUERY_COUNT]).then(() => undefined);
          await pool(QUERY_COUNT, SEARCH_CONCURRENCY, once);
          const r = await closedLoop(SEARCH_SECONDS, SEARCH_CONCURRENCY, once);
          authTrials.push({ auth, upsertSeconds, strongQps: r.perSecond });
        } finally {
          await stopChild(c);
          running = null;
        }
      }
    }
  }

  // Raw search at each chosen ef once more, now that Intake is gone (best of before/after).
  for (const ef of new Set([rawEf, ...shapes.map((sh) => sh.chosen.ef)])) {
    phase(`raw searchKnn at ef=${ef} again, Intake stopped`);
    measureRawSearch(ef);
  }
  for (let trial = 2; trial <= TRIALS; trial += 2) rawAddTrial(trial, 'after');
  const rawAddBest = Math.min(...rawAdd.map((r) => r.seconds));

  const f2 = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  const q0 = (xs: number[]) => xs.map((x) => fmt(x)).join(' / ');
  const contended = (cs: Cores[]) => cs.some((c) => c.others >= CONTENDED_CORES);
  const head: Row[] = [];
  const rawAtTarget = rawAtEf.get(rawEf)!;
  for (const sh of shapes) {
    const rawChosen = rawAtEf.get(sh.chosen.ef)!;
    const rawQps = Math.max(...rawAtTarget.qps);
    const upsertBest = Math.min(...sh.upserts.map((u) => u.seconds));
    const one = sh.shards === 1;
    head.push(
      {
        name: `${sh.shards}-shard streaming upsert HTTP→log→visible (${BATCH}/req, ${CLIENTS} clients)`,
        value: N / upsertBest,
        unit: 'vectors/s',
        raw: N / rawAddBest,
        target: one ? 0.8 : 1.4,
        contended: contended([...sh.upserts, ...rawAdd].map((u) => u.cores)),
      },
      { name: `${sh.shards}-shard search recall@10 over HTTP at ef_search=${sh.chosen.ef}`, value: sh.chosen.recall, unit: 'recall@10', raw: rawChosen.recall, target: RECALL_TARGET, absolute: true },
    );
    for (const consistency of ['eventual', 'strong'] as const) {
      head.push({
        name: `${sh.shards}-shard search QPS over HTTP, consistency=${consistency}${consistency === 'strong' ? ' (default)' : ''}, ef=${sh.chosen.ef} (raw: ef=${rawEf})`,
        value: Math.max(...sh.search.get(consistency)!.map((x) => x.qps)),
        unit: 'queries/s',
        raw: rawQps,
        target: one ? 0.5 : 0.8,
        contended: contended([...sh.search.get(consistency)!.map((x) => x.cores), ...rawAtTarget.cores]),
      });
    }
  }
  rows.unshift(...head);
  if (authTrials.length > 0) {
    const best = (auth: 'on' | 'off', f: (x: (typeof authTrials)[number]) => number, pick: (...xs: number[]) => number) =>
      pick(...authTrials.filter((x) => x.auth === auth).map(f));
    rows.push(
      {
        name: 'streaming upsert with auth on, vs auth off (INTAKE_AUTH=off)',
        value: N / best('on', (x) => x.upsertSeconds, Math.min),
        unit: 'vectors/s',
        raw: N / best('off', (x) => x.upsertSeconds, Math.min),
        target: 0.95,
      },
      {
        name: `search QPS (strong) with auth on, vs auth off, ef=${shapes[0].chosen.ef}`,
        value: best('on', (x) => x.strongQps, Math.max),
        unit: 'queries/s',
        raw: best('off', (x) => x.strongQps, Math.max),
        target: 0.95,
      },
    );
    notes.push(`auth on/off trials: ${authTrials.map((x) => `${x.auth}: upsert ${x.upsertSeconds.toFixed(2)} s, strong search ${fmt(x.strongQps)} q/s`).join('; ')}`);
  }

  for (const sh of shapes) {
    const rawChosen = rawAtEf.get(sh.chosen.ef)!;
    const tag = `${sh.shards}-shard`;
    notes.push(
      `${tag} upsert: ${N} vectors (${(upsertBytes / 1e6).toFixed(1)} MB of JSON, ${Math.round(upsertBytes / N)} B/vector) in ${f2(sh.upserts.map((u) => u.seconds))} s per trial; ` +
        `raw addPoint ${rawAdd.map((r) => `${r.seconds.toFixed(2)} s (${r.when} Intake)`).join(' / ')}`,
    );
    sh.upserts.forEach((u, i) => notes.push(`${tag} upsert trial ${i + 1}: ${coresNote(u.cores)}`));
    notes.push(`${tag} search: recall@10 over HTTP (${QUERY_COUNT} queries vs exact brute force): ${sh.recallByEf.join(', ')}`);
    if (sh.chosen.fallback) notes.push(`${tag} search: none of ef ${EF_CANDIDATES.join('/')} reached recall@10 ≥ ${RECALL_TARGET} on this data; used ef=${sh.chosen.ef}`);
    if (sh.chosen.recall < RECALL_TARGET) notes.push(`${tag} search: NO ef_search up to ${sh.chosen.ef} reached recall@10 ≥ ${RECALL_TARGET}; QPS is at ef=${sh.chosen.ef}`);
    rawChosen.cores.forEach((c, i) => notes.push(`raw searchKnn ef=${sh.chosen.ef} ${i === 0 ? 'before Intake started' : 'after Intake stopped'}: ${coresNote(c)}`));
    if (sh.chosen.ef !== rawEf) {
      const sameEf = Math.max(...rawChosen.qps);
      const best = (c: 'eventual' | 'strong') => Math.max(...sh.search.get(c)!.map((x) => x.qps));
      notes.push(
        `${tag} search against raw at the SAME ef=${sh.chosen.ef} (raw recall ${rawChosen.recall.toFixed(3)}): ` +
          `eventual ${(best('eventual') / sameEf).toFixed(2)}, strong ${(best('strong') / sameEf).toFixed(2)} of ${fmt(sameEf)} q/s`,
      );
    }
    for (const [consistency, trials] of sh.search) {
      trials.forEach((x, i) =>
        notes.push(`${tag} search ${consistency} trial ${i + 1}: ${fmt(x.qps)} q/s (${x.done} requests, ${SEARCH_CONCURRENCY} in flight, ${SEARCH_SECONDS} s); ${coresNote(x.cores)}`),
      );
    }
  }
  rawAdd.forEach((r) => notes.push(`raw addPoint ${r.when} Intake: ${coresNote(r.cores)}`));
  notes.push(
    `search: raw searchKnn, single thread, ${QUERY_COUNT} queries looped ${RAW_SEARCH_SECONDS} s: ` +
      [...rawAtEf].map(([ef, r]) => `ef=${ef} ${q0(r.qps)} q/s (recall ${r.recall.toFixed(3)})`).join('; '),
  );

  notes.push(...buildNotes);
  const cpus = os.cpus();
  console.log('');
  console.log(`Intake collections vs raw hnswlib-node — ${N} × ${DIM}-d ${DATA} vectors (mulberry32 seed 1), cosine, M=${M}, ef_construction=${EF_CONSTRUCTION}`);
  console.log('Intake ran as a CHILD PROCESS (node dist/src/main.js, standalone: embedded broker + embedded Postgres, temp data dir),');
  console.log('driven over HTTP/1.1 keep-alive (node:http Agent) from this process; raw baselines ran in this process while no Intake was running.');
  console.log(`Each value and each raw baseline is the best of ${TRIALS} trial(s); all trials are listed below the table.`);
  console.log('');
  console.log(table(rows));
  if (rows.some((r) => r.contended)) {
    console.log(
      `* other processes on this machine used ≥ ${CONTENDED_CORES} cores during at least one trial of this row (see below): ` +
        'hnswlib is memory-bound and slows down sharply next to them, so this ratio is unreliable; rerun on a quiet machine.',
    );
  }
  console.log('');
  for (const n of notes) console.log(`- ${n}`);
  console.log(
    `- machine: ${cpus.length} cores (${cpus[0]?.model?.trim() ?? 'unknown'}), node ${process.version}, ` +
      `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; total bench time ${(now() - started).toFixed(0)} s`,
  );
}

/** Index session (seed 001): binary batch ingest into the log, then finalize in 2 shards. */
async function buildRows(base: string, n: number, kind: string, rows: Row[], notes: string[]): Promise<void> {
  // Imported lazily: only this opt-in part needs the app's build code in this process.
  const { buildShard } = await import('../src/collections/build/shard-builder');
  phase(`index session: binary batch ingest of ${n} rows`);
  const buildData = new Float32Array(n * DIM);
  vectors(n, 3, kind).forEach((v, i) => buildData.set(v, i * DIM));
  const ids = Array.from({ length: n }, (_, i) => `b${i}`);
  await postJson(`${base}/vectordb/collections`, { name: 'built', dense_vector: { enabled: true, dimension: DIM }, shards: 2, hnsw: { M, ef_construction: EF_CONSTRUCTION, ef_search: 128 } });
  await postJson(`${base}/init`, { index_name: 'built', mode: 'build' });
  const rowSize = 32 + DIM * 4;
  const ROWS_PER_REQ = 20_000;
  let t = now();
  for (let start = 0; start < n; start += ROWS_PER_REQ) {
    const count = Math.min(ROWS_PER_REQ, n - start);
    const body = Buffer.alloc(count * rowSize);
    for (let r = 0; r < count; r++) {
      body.write(ids[start + r], r * rowSize, 'ascii');
      Buffer.from(buildData.buffer, (start + r) * DIM * 4, DIM * 4).copy(body, r * rowSize + 32);
    }
    await post(new URL(`${base}/ingest/batch?index_name=built`), body, 'application/octet-stream');
  }
  const ingestSeconds = now() - t;
  rows.push({ name: `binary batch ingest into the log (${n} rows)`, value: (n * rowSize) / 1e6 / ingestSeconds, unit: 'MB/s', raw: null, target: null });
  notes.push(`binary ingest: ${Math.round(n / ingestSeconds).toLocaleString('en-US')} rows/s`);

  phase('index session: finalize (2 shards in worker threads)');
  t = now();
  await postJson(`${base}/finalize`, { index_name: 'built', optimize: true, params: { M, ef_construction: EF_CONSTRUCTION, ef_search: 128, rng_seed: 1 } });
  const finalizeSeconds = now() - t;

  phase('raw single-thread build of the same rows (child idle)');
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-bench-collections-raw-'));
  t = now();
  buildShard({ dimension: DIM, metric: 'cosine', hnsw: { M, efConstruction: EF_CONSTRUCTION, efSearch: 128, randomSeed: 1 }, rows: { ids, vectors: buildData }, baseDir: null, exactCapacity: true, outDir });
  const rawBuildSeconds = now() - t;
  fs.rmSync(outDir, { recursive: true, force: true });
  rows.push({ name: `finalize build, ${n} rows, 2 shards in workers`, value: n / finalizeSeconds, unit: 'rows/s', raw: n / rawBuildSeconds, target: 1.8 });
  notes.push(`finalize: ${finalizeSeconds.toFixed(1)} s vs raw single-thread build ${rawBuildSeconds.toFixed(1)} s`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`[bench] ${signal}: stopping Intake`);
    const c = running;
    running = null;
    (c ? stopChild(c) : Promise.resolve()).finally(() => process.exit(130));
  });
}

main().catch(async (err) => {
  console.error(err);
  if (running) await stopChild(running).catch(() => undefined);
  process.exit(1);
});

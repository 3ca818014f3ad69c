// npm run bench:collections — Intake's vector paths against raw hnswlib-node, in ONE run:
//   1. streaming upsert end to end (HTTP → log → applied, i.e. the upsert call returned)
//      vs raw HierarchicalNSW.addPoint, same space/M/ef_construction/N, single thread  (target ratio ≥ 0.8)
//   2. search QPS over HTTP at recall@10 ≥ 0.95 (ef_search picked from 64/128/256 by the
//      recall measured against exact brute force), consistency "eventual" and "strong",
//      vs raw in-process searchKnn QPS at the same ef on the same data               (target ratio ≥ 0.5)
//   (opt-in, BENCH_BUILD_N > 0) 3. binary batch ingest into the log, 4. finalize build in
//      2 worker-thread shards vs a raw single-thread build (target ≥ 1.8).
//
// Intake runs as a CHILD PROCESS (`node dist/src/main.js`, standalone: embedded broker and
// embedded Postgres, on a temporary data dir), so this process's HTTP client does not share
// the app's event loop; both still share the machine's cores. Raw hnswlib baselines run in
// this process BEFORE the child starts (or after it stopped), never while it works.
//
// Environment (all optional):
//   BENCH_N=20000               vectors upserted (and added to the raw index)
//   BENCH_BATCH=500             vectors per upsert request
//   BENCH_UPSERT_CLIENTS=4      concurrent upsert requests
//   BENCH_SEARCH_CONCURRENCY=16 search requests in flight (keep-alive)
//   BENCH_SEARCH_SECONDS=8      length of each timed search window (HTTP and raw)
//   BENCH_DATA=uniform          'uniform' (i.i.d. in [-1, 1]) or 'clustered' (64 Gaussian clusters)
//   BENCH_BUILD_N=0             > 0 adds the index-session rows (3, 4) with that many rows
//   BENCH_CHILD_NODE_OPTIONS    NODE_OPTIONS for the Intake child only, e.g.
//                               "--cpu-prof --cpu-prof-dir=/tmp/intake-prof"
//   BENCH_KEEP_CHILD_OUTPUT=1   forward the child's stdout after startup (stderr always is)

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HierarchicalNSW } from 'hnswlib-node';

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

function phase(what: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${what}`);
}

/** mulberry32: deterministic, so every run (and Intake vs raw) sees the same vectors. */
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

const CLUSTERS = 64;
const CLUSTER_SPREAD = 0.35;

function vectors(n: number, seed: number, kind: string): number[][] {
  const r = rng(seed);
  if (kind === 'uniform') return Array.from({ length: n }, () => Array.from({ length: DIM }, () => r() * 2 - 1));
  if (kind !== 'clustered') throw new Error(`BENCH_DATA must be 'uniform' or 'clustered', got '${kind}'`);
  const c = rng(999);
  const centres = Array.from({ length: CLUSTERS }, () => Array.from({ length: DIM }, () => c() * 2 - 1));
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: n }, () => centres[Math.floor(r() * CLUSTERS)].map((x) => x + CLUSTER_SPREAD * gaussian()));
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

const CLK_TCK = 100;

function procCpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
  } catch {
    return null;
  }
}

function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* exited */
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    for (const [pid, ppid] of parents) {
      if (ppid !== p) continue;
      out.push(pid);
      stack.push(pid);
    }
  }
  return out;
}

/** CPU seconds of this process, of the Intake node process, and of Intake's Postgres processes. */
class CpuWindow {
  private readonly self0 = process.cpuUsage();
  private readonly child0: number;
  private readonly pg0: Map<number, number>;
  private readonly t0 = now();

  constructor(private readonly childPid: number | null) {
    this.child0 = childPid === null ? 0 : (procCpuSeconds(childPid) ?? 0);
    this.pg0 = this.pgCpu();
  }

  private pgCpu(): Map<number, number> {
    const m = new Map<number, number>();
    if (this.childPid === null) return m;
    for (const pid of descendants(this.childPid)) m.set(pid, procCpuSeconds(pid) ?? 0);
    return m;
  }

  /** Cores kept busy on average (CPU seconds / wall seconds) since construction. */
  cores(): { bench: number; intake: number | null; postgres: number | null } {
    const wall = now() - this.t0;
    const u = process.cpuUsage(this.self0);
    const bench = (u.user + u.system) / 1e6 / wall;
    if (this.childPid === null) return { bench, intake: null, postgres: null };
    const c = procCpuSeconds(this.childPid);
    let pg = 0;
    for (const [pid, cpu] of this.pgCpu()) pg += Math.max(0, cpu - (this.pg0.get(pid) ?? 0));
    return { bench, intake: c === null ? null : (c - this.child0) / wall, postgres: pg / wall };
  }
}

function coresNote(c: ReturnType<CpuWindow['cores']>): string {
  const f = (x: number | null) => (x === null ? '?' : x.toFixed(2));
  return `CPU cores busy: intake node ${f(c.intake)}, its postgres ${f(c.postgres)}, bench client ${f(c.bench)}`;
}

// ---------------------------------------------------------------- the Intake child

interface Child {
  url: string;
  proc: ChildProcess;
  dir: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function startChild(): Promise<Child> {
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
  };
  if (process.env.BENCH_CHILD_NODE_OPTIONS !== undefined) env.NODE_OPTIONS = process.env.BENCH_CHILD_NODE_OPTIONS;
  const main = path.join(__dirname, '..', 'src', 'main.js');
  const proc = spawn(process.execPath, [main], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const forward = process.env.BENCH_KEEP_CHILD_OUTPUT === '1';
  const url = await new Promise<string>((resolve, reject) => {
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
  return { url, proc, dir };
}

async function stopChild(child: Child): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) {
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

/** POSTs a pre-serialised body; retries once if a kept-alive socket was closed under it (every call here is idempotent). */
async function post(url: string, body: string | Buffer, contentType = 'application/json'): Promise<ArrayBuffer> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
      const buf = await res.arrayBuffer();
      if (res.status >= 300) throw new HttpError(`POST ${url} → ${res.status} ${Buffer.from(buf).toString('utf8').slice(0, 500)}`);
      return buf;
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (attempt === 0 && !(err instanceof HttpError) && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')) continue;
      throw err;
    }
  }
}

async function postJson<T>(url: string, body: unknown): Promise<T> {
  return JSON.parse(Buffer.from(await post(url, JSON.stringify(body))).toString('utf8')) as T;
}

/** Runs tasks 0..count-1 with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
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
}

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
    const verdict = r.target === null || judged === null ? '-' : judged >= r.target ? 'MET' : 'MISSED';
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

async function main(): Promise<void> {
  const N = envInt('BENCH_N', 20_000, 1);
  const BATCH = envInt('BENCH_BATCH', 500, 1);
  const CLIENTS = envInt('BENCH_UPSERT_CLIENTS', 4, 1);
  const SEARCH_CONCURRENCY = envInt('BENCH_SEARCH_CONCURRENCY', 16, 1);
  const SEARCH_SECONDS = envInt('BENCH_SEARCH_SECONDS', 8, 0.5);
  const BUILD_N = envInt('BENCH_BUILD_N', 0, 0);
  const DATA = process.env.BENCH_DATA ?? 'uniform';
  const started = now();

  phase(`generating ${N} + ${QUERY_COUNT} ${DATA} ${DIM}-d vectors and exact top-${K}`);
  const data = vectors(N, 1, DATA);
  const queries = vectors(QUERY_COUNT, 2, DATA);
  const exact = exactTopK(data, queries, K);

  // ---- raw baselines, in this process, before Intake exists
  phase('raw hnswlib-node addPoint (single thread, in process)');
  const raw = new HierarchicalNSW('cosine', DIM);
  raw.initIndex(N, M, EF_CONSTRUCTION, RANDOM_SEED);
  let t = now();
  for (let i = 0; i < N; i++) raw.addPoint(data[i], i);
  const rawAddSeconds = now() - t;
  const rawAddPerSec = N / rawAddSeconds;
  phase(`raw addPoint: ${Math.round(rawAddPerSec)} vectors/s; raw searchKnn at ef ${[...EF_CANDIDATES, ...EF_FALLBACK].join('/')}`);
  const rawAtEf = new Map<number, { qps: number; recall: number }>();
  const rawSearchSeconds = Math.min(SEARCH_SECONDS, 3);
  for (const ef of EF_CANDIDATES) {
    const r = rawSearchQps(raw, queries, ef, rawSearchSeconds);
    rawAtEf.set(ef, { qps: r.qps, recall: recallAt(r.got, exact) });
  }

  // Request bodies are serialised before any timing: the client's JSON cost is not Intake's.
  const upsertBodies: string[] = [];
  for (let b = 0; b * BATCH < N; b++) {
    const vs = [];
    for (let i = b * BATCH; i < Math.min(N, (b + 1) * BATCH); i++) vs.push({ id: String(i), dense_values: data[i] });
    upsertBodies.push(JSON.stringify({ vectors: vs }));
  }
  const upsertBytes = upsertBodies.reduce((n, s) => n + Buffer.byteLength(s), 0);

  phase('starting Intake as a child process (node dist/src/main.js)');
  const child = await startChild();
  running = child;
  const rows: Row[] = [];
  const notes: string[] = [];
  let chosen: { ef: number; recall: number; fallback: boolean } = { ef: 0, recall: 0, fallback: false };
  const recallByEf: string[] = [];
  try {
    const base = child.url;
    const coll = `${base}/vectordb/collections/bench`;
    await postJson(`${base}/vectordb/collections`, {
      name: 'bench',
      dense_vector: { enabled: true, dimension: DIM },
      metric: 'cosine',
      hnsw: { M, ef_construction: EF_CONSTRUCTION, ef_search: 64 },
    });

    // ---- 1. streaming upsert, end to end
    phase(`streaming upsert: ${N} vectors, ${BATCH}/request, ${CLIENTS} concurrent clients`);
    let cpu = new CpuWindow(child.proc.pid ?? null);
    t = now();
    await pool(upsertBodies.length, CLIENTS, async (b) => {
      await post(`${coll}/streaming/upsert`, upsertBodies[b]);
    });
    const upsertSeconds = now() - t;
    const upsertCores = cpu.cores();
    const upsertPerSec = N / upsertSeconds;
    rows.push({ name: `streaming upsert HTTP→log→visible (${BATCH}/req, ${CLIENTS} clients)`, value: upsertPerSec, unit: 'vectors/s', raw: rawAddPerSec, target: 0.8 });
    notes.push(
      `upsert: ${N} vectors in ${upsertSeconds.toFixed(2)} s (raw addPoint ${rawAddSeconds.toFixed(2)} s); ` +
        `${(upsertBytes / 1e6).toFixed(1)} MB of JSON bodies (${Math.round(upsertBytes / N)} B/vector); ${coresNote(upsertCores)}`,
    );

    // ---- 2. search: pick ef by recall over HTTP, then QPS
    phase('search: recall@10 over HTTP per ef_search');
    const searchAt = async (ef: number): Promise<number> => {
      const got: number[][] = new Array(queries.length);
      await pool(queries.length, 8, async (i) => {
        const r = await postJson<SearchResponse>(`${coll}/search/dense`, { query_vector: queries[i], top_k: K, ef_search: ef, consistency: 'eventual' });
        got[i] = r.results.map((x) => Number(x.id));
      });
      return recallAt(got, exact);
    };
    for (const ef of [...EF_CANDIDATES, ...EF_FALLBACK]) {
      const fallback = !EF_CANDIDATES.includes(ef);
      const r = await searchAt(ef);
      recallByEf.push(`ef=${ef}: ${r.toFixed(3)}`);
      chosen = { ef, recall: r, fallback };
      if (r >= RECALL_TARGET) break;
    }
    if (chosen.recall < RECALL_TARGET) notes.push(`search: NO ef_search up to ${chosen.ef} reached recall@10 ≥ ${RECALL_TARGET}; QPS below is at ef=${chosen.ef}`);
    if (chosen.fallback) notes.push(`search: none of ef ${EF_CANDIDATES.join('/')} reached recall@10 ≥ ${RECALL_TARGET}; used ef=${chosen.ef}`);

    const searchRows: { consistency: 'eventual' | 'strong'; qps: number; done: number; cores: ReturnType<CpuWindow['cores']> }[] = [];
    for (const consistency of ['eventual', 'strong'] as const) {
      const bodies = queries.map((q) => JSON.stringify({ query_vector: q, top_k: K, ef_search: chosen.ef, consistency }));
      const once = (i: number) => post(`${coll}/search/dense`, bodies[i % bodies.length]).then(() => undefined);
      phase(`search QPS, consistency=${consistency}, ef=${chosen.ef}, ${SEARCH_CONCURRENCY} in flight, ${SEARCH_SECONDS} s`);
      await pool(queries.length, SEARCH_CONCURRENCY, once); // warm-up: sockets, JIT
      cpu = new CpuWindow(child.proc.pid ?? null);
      const r = await closedLoop(SEARCH_SECONDS, SEARCH_CONCURRENCY, once);
      searchRows.push({ consistency, qps: r.perSecond, done: r.done, cores: cpu.cores() });
    }

    // ---- 3, 4 (opt-in): index session binary ingest and finalize build
    if (BUILD_N > 0) await buildRows(base, BUILD_N, DATA, rows, notes);

    phase('stopping Intake (SIGTERM)');
    await stopChild(child);
    running = null;

    // Raw search at the chosen ef if it was a fallback one: measured now that the child is gone.
    if (!rawAtEf.has(chosen.ef)) {
      const r = rawSearchQps(raw, queries, chosen.ef, rawSearchSeconds);
      rawAtEf.set(chosen.ef, { qps: r.qps, recall: recallAt(r.got, exact) });
    }
    const rawChosen = rawAtEf.get(chosen.ef) as { qps: number; recall: number };
    rows.splice(1, 0, { name: `search recall@10 over HTTP at ef_search=${chosen.ef}`, value: chosen.recall, unit: 'recall', raw: rawChosen.recall, target: RECALL_TARGET, absolute: true });
    searchRows.forEach((s, i) =>
      rows.splice(2 + i, 0, {
        name: `search QPS over HTTP, consistency=${s.consistency}${s.consistency === 'strong' ? ' (default)' : ''}, ef=${chosen.ef}`,
        value: s.qps,
        unit: 'queries/s',
        raw: rawChosen.qps,
        target: 0.5,
      }),
    );
    notes.push(`search: recall@10 over HTTP (${QUERY_COUNT} queries vs exact brute force): ${recallByEf.join(', ')}`);
    notes.push(
      `search: raw searchKnn single thread, ${QUERY_COUNT} queries looped ${rawSearchSeconds} s: ` +
        [...rawAtEf].map(([ef, r]) => `ef=${ef} ${fmt(r.qps)} q/s recall ${r.recall.toFixed(3)}`).join('; '),
    );
    for (const s of searchRows) notes.push(`search ${s.consistency}: ${s.done} requests in ${SEARCH_SECONDS} s, ${SEARCH_CONCURRENCY} in flight; ${coresNote(s.cores)}`);
  } finally {
    if (running) {
      await stopChild(running).catch((err) => console.error(err));
      running = null;
    }
  }

  const cpus = os.cpus();
  console.log('');
  console.log(`Intake collections vs raw hnswlib-node — ${N} × ${DIM}-d ${DATA} vectors (mulberry32 seed 1), cosine, M=${M}, ef_construction=${EF_CONSTRUCTION}`);
  console.log('Intake ran as a CHILD PROCESS (node dist/src/main.js, standalone: embedded broker + embedded Postgres, temp data dir),');
  console.log('driven over HTTP/1.1 keep-alive (Node fetch) from this process; raw baselines ran in this process while no Intake was running.');
  console.log('');
  console.log(table(rows));
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
    await post(`${base}/ingest/batch?index_name=built`, body, 'application/octet-stream');
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

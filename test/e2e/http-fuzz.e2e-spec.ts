// A seeded fuzz of every write route: mutated JSON bodies, random binary batch
// bodies, and raw-socket abuse (aborted uploads, broken chunked encoding, garbage
// request lines). What must hold: no 5xx but the documented 503, every complete
// request answered, the process still serving, and the data written before intact.
// FUZZ_SEED and FUZZ_REQUESTS reproduce or lengthen a run.
import * as net from 'node:net';
import { TEST_ADMIN_TOKEN, authHeader, http, withTestApp } from '../support/app';
import { randomVectors, seededRandom } from '../support/vectors';

jest.setTimeout(300_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 1_500);
const DIM = 8;

type Rnd = () => number;
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

/** Values that have broken JSON handlers somewhere: wrong types, edge numbers, odd strings. */
function junkValue(rnd: Rnd, depth = 0): unknown {
  const choices: (() => unknown)[] = [
    () => null,
    () => true,
    () => -0,
    () => 1e308,
    () => -1e-320,
    () => 3.5e38,
    () => Number.MAX_SAFE_INTEGER + 2,
    () => '',
    () => 'a\u0000b',
    () => '\ud800',
    () => '%00',
    () => '../../etc/passwd',
    () => 'x'.repeat(Math.floor(rnd() * 600)),
    () => 'é'.repeat(130),
    () => [],
    () => ({}),
    () => Array.from({ length: DIM }, () => rnd() * 2 - 1),
    () => new Array(DIM).fill(0),
    () => Array.from({ length: Math.floor(rnd() * 20) }, () => junkValue(rnd, depth + 1)),
    () => (depth < 3 ? { a: junkValue(rnd, depth + 1), dense_values: junkValue(rnd, depth + 1) } : 1),
  ];
  return pick(rnd, choices)();
}

/** A valid body for the route, then a few random fields replaced by junk. */
function mutate(rnd: Rnd, valid: Record<string, unknown>): unknown {
  if (rnd() < 0.05) return junkValue(rnd);
  const body = structuredClone(valid) as Record<string, unknown>;
  const mutations = Math.floor(rnd() * 3);
  for (let i = 0; i < mutations; i++) {
    const keys = Object.keys(body);
    const target = rnd() < 0.8 && keys.length ? pick(rnd, keys) : `extra${i}`;
    const v = body[target];
    if (Array.isArray(v) && v.length && typeof v[0] === 'object' && rnd() < 0.7) {
      const item = { ...(v[0] as Record<string, unknown>) };
      item[pick(rnd, Object.keys(item).concat(['metadata', 'text']))] = junkValue(rnd);
      body[target] = [item, ...v.slice(1)];
    } else body[target] = junkValue(rnd);
  }
  return body;
}

/** encodeURIComponent, except that a lone surrogate goes out as raw (invalid) UTF-8 escapes. */
function encodeAny(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
}

function fuzzId(rnd: Rnd): string {
  return `f${Math.floor(rnd() * 50)}`;
}

/** Raw bytes on a fresh socket; resolves with what came back when the server closes or goes quiet. */
function raw(url: string, bytes: Buffer, destroyAfterWrite: boolean): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(port), hostname);
    const got: Buffer[] = [];
    const finish = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(Buffer.concat(got).toString('latin1'));
    };
    const timer = setTimeout(finish, 2_000);
    s.on('data', (d) => got.push(d));
    s.on('close', finish);
    s.on('error', finish);
    s.on('connect', () => {
      s.write(bytes);
      if (destroyAfterWrite) setTimeout(() => s.destroy(), 20);
      else s.end();
    });
  });
}

describe('HTTP fuzz (seeded)', () => {
  const t = withTestApp();
  const kept = randomVectors(20, DIM, 5);
  const api = (method: string, p: string, body?: unknown) => http(t.app.url, method, p, body);

  beforeAll(async () => {
    for (const name of ['keep', 'fz']) {
      expect((await api('POST', '/vectordb/collections', { name, dense_vector: { enabled: true, dimension: DIM }, shards: 2 })).status).toBe(201);
    }
    const up = await api('POST', '/vectordb/collections/keep/streaming/upsert', { vectors: kept.map((v, i) => ({ id: `keep-${i}`, dense_values: v })) });
    expect(up.status).toBe(200);
    expect((await api('POST', '/init', { index_name: 'fz', mode: 'upsert' })).status).toBe(200);
  });

  it(`answers ${REQUESTS} mutated requests with no 5xx but 503, then still serves the data written before (seed ${SEED})`, async () => {
    const rnd = seededRandom(SEED);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const names = ['fz', 'fz', 'nope', 'A', '%00', 'a%2Fb', '..', encodeURIComponent('é')];
    const routes: (() => { method: string; path: string; body?: unknown; raw?: string | Buffer; type?: string })[] = [
      () => ({ method: 'POST', path: '/vectordb/collections', body: mutate(rnd, { name: `c${Math.floor(rnd() * 5)}`, dense_vector: { enabled: true, dimension: DIM } }) }),
      () => ({
        method: 'POST',
        path: `/vectordb/collections/${pick(rnd, names)}/streaming/upsert`,
        body: mutate(rnd, { vectors: [{ id: fuzzId(rnd), dense_values: Array.from({ length: DIM }, () => rnd()) }, { id: fuzzId(rnd) + 'b', text: 'hello' }] }),
      }),
      () => ({ method: 'POST', path: `/vectordb/collections/${pick(rnd, names)}/search/dense`, body: mutate(rnd, { query_vector: Array.from({ length: DIM }, () => rnd()), top_k: 3 }) }),
      () => ({ method: 'DELETE', path: `/vectordb/collections/${pick(rnd, names)}/streaming/delete/${encodeAny(pick(rnd, [fuzzId(rnd), 'a\u0000', 'x'.repeat(300), '%zz']))}` }),
      () => ({ method: 'GET', path: `/vectordb/collections/${pick(rnd, names)}` }),
      () => ({ method: 'POST', path: '/init', body: mutate(rnd, { index_name: 'fz', mode: 'upsert' }) }),
      () => ({ method: 'POST', path: '/ingest', body: mutate(rnd, { index_name: 'fz', external_id: fuzzId(rnd), vector: Array.from({ length: DIM }, () => rnd()) }) }),
      () => ({ method: 'POST', path: '/finalize', body: mutate(rnd, { index_name: 'fz', params: { M: 8 } }) }),
      () => {
        const rows = Math.floor(rnd() * 4);
        const buf = Buffer.alloc(rows * (32 + DIM * 4) + (rnd() < 0.3 ? Math.floor(rnd() * 40) : 0));
        for (let i = 0; i < buf.length; i++) buf[i] = rnd() < 0.7 ? Math.floor(rnd() * 256) : 0;
        return { method: 'POST', path: `/ingest/batch?index_name=${pick(rnd, ['fz', 'nope', ''])}`, raw: buf, type: pick(rnd, ['application/octet-stream', 'application/json', 'text/plain']) };
      },
      () => ({ method: 'POST', path: '/vectordb/collections/fz/streaming/upsert', raw: pick(rnd, ['{', '{"vectors":[', 'null', '[]', '"x"', '{"vectors":[{"id":"a","dense_values":[1e999]}]}']), type: 'application/json' }),
      () => ({ method: 'GET', path: `/ingest/status?index_name=${encodeAny(String(junkValue(rnd)))}` }),
    ];

    const one = async (): Promise<void> => {
      const req = pick(rnd, routes)();
      const headers: Record<string, string> = authHeader();
      let body: string | Buffer | undefined;
      if (req.raw !== undefined) {
        body = req.raw;
        headers['content-type'] = req.type ?? 'application/json';
      } else if (req.body !== undefined) {
        body = JSON.stringify(req.body);
        headers['content-type'] = 'application/json';
      }
      try {
        const res = await fetch(`${t.app.url}${req.path}`, { method: req.method, headers, body, signal: AbortSignal.timeout(30_000) });
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500 && res.status !== 503) failures.push(`${req.method} ${req.path} ${body?.toString().slice(0, 200)} → ${res.status} ${text.slice(0, 200)}`);
        if (res.status >= 400 && !/^\{"error":\{"code":"INTAKE_/.test(text)) failures.push(`${req.method} ${req.path} → ${res.status} not in the catalog shape: ${text.slice(0, 200)}`);
      } catch (err) {
        failures.push(`${req.method} ${req.path} → no answer: ${(err as Error).message}`);
      }
    };
    for (let done = 0; done < REQUESTS; done += 4) await Promise.all([one(), one(), one(), one()]);

    // Raw-socket abuse: each leaves the server able to answer the next request.
    const { host } = new URL(t.app.url);
    const abuse = [
      { bytes: Buffer.from(`POST /ingest/batch?index_name=fz HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n${'a'.repeat(500)}`), destroy: true },
      { bytes: Buffer.from(`POST /vectordb/collections/fz/streaming/upsert HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"vectors":[`), destroy: true },
      { bytes: Buffer.from(`POST /ingest/batch?index_name=fz HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n`), destroy: false },
      { bytes: Buffer.from(`POST /init HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"ind\r\nFFFFFFFFFFFF\r\n`), destroy: false },
      { bytes: Buffer.from(`GARBAGE / HTTP/9.9\r\n\r\n`), destroy: false },
      { bytes: Buffer.from(`GET /health HTTP/1.1\r\nHost: ${host}\r\nContent-Length: -1\r\n\r\n`), destroy: false },
    ];
    for (const a of abuse) {
      const answer = await raw(t.app.url, a.bytes, a.destroy);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      if (status >= 500) failures.push(`raw ${a.bytes.toString('latin1').slice(0, 60)} → ${status}`);
      const health = await fetch(`${t.app.url}/health`);
      if (health.status !== 200) failures.push(`after raw ${a.bytes.toString('latin1').slice(0, 60)}: /health ${health.status}`);
    }

    expect(failures).toEqual([]);
    // Most requests were refused (4xx), some accepted: the fuzz reached past validation.
    expect([...statuses.keys()].some((s) => s >= 200 && s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
    // What was written before the fuzz is intact.
    const info = await api('GET', '/vectordb/collections/keep');
    expect(info.status).toBe(200);
    for (let i = 0; i < kept.length; i++) {
      const hit = await api('POST', '/vectordb/collections/keep/search/dense', { query_vector: kept[i], top_k: 1 });
      expect(hit.body.results[0]).toMatchObject({ id: `keep-${i}` });
      expect(hit.body.results[0].score).toBeCloseTo(1, 4);
    }
  });
});

// Seed 001 (index ingest sessions) over HTTP, on a real log, Postgres and hnswlib.
import { authHeader, http, startApp, withTestApp } from '../support/app';
import { eventually, kafkaClient } from '../support/broker';
import { exactTopK, randomVectors } from '../support/vectors';

jest.setTimeout(300_000);

const DIM = 64;

/** Rows of the binary batch format: 32-byte null-padded ASCII id + DIM × float32 LE. */
function binaryRows(ids: string[], vectors: number[][]): Buffer {
  const size = 32 + DIM * 4;
  const buf = Buffer.alloc(ids.length * size);
  ids.forEach((id, r) => {
    buf.write(id, r * size, 'ascii');
    vectors[r].forEach((x, j) => buf.writeFloatLE(x, r * size + 32 + j * 4));
  });
  return buf;
}

describe('index ingest sessions', () => {
  const t = withTestApp({ db: true });
  const api = (method: string, path: string, body?: unknown) => http(t.app.url, method, path, body);
  const batch = (index: string, body: Buffer) =>
    fetch(`${t.app.url}/ingest/batch?index_name=${index}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...authHeader() }, body }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }), // eslint-disable-line @typescript-eslint/no-explicit-any
    );
  const search = (index: string, v: number[], k = 10, extra: Record<string, unknown> = {}) =>
    api('POST', `/vectordb/collections/${index}/search/dense`, { query_vector: v, top_k: k, ...extra }).then((r) => r.body.results as { id: string; score: number }[]);
  const create = (name: string, shards = 2) =>
    api('POST', '/vectordb/collections', { name, dense_vector: { enabled: true, dimension: DIM }, shards, hnsw: { M: 16, ef_construction: 100, ef_search: 128 } });

  it('builds 20,000 × 64-d from binary batches into an index with recall@10 ≥ 0.95, answering searches from the old index meanwhile', async () => {
    expect((await create('big')).status).toBe(201);
    const old = randomVectors(10, DIM, 1);
    await api('POST', '/vectordb/collections/big/streaming/upsert', { vectors: old.map((v, i) => ({ id: `old-${i}`, dense_values: v })) });

    const init = await api('POST', '/init', { index_name: 'big', mode: 'build' });
    expect(init).toEqual({ status: 200, body: { success: true, message: "Index 'big' initialized in 'build' mode", index_name: 'big' } });
    const N = 20_000;
    const vectors = randomVectors(N, DIM, 2);
    const ids = vectors.map((_, i) => `row-${i}`);
    for (let start = 0; start < N; start += 5_000) {
      const r = await batch('big', binaryRows(ids.slice(start, start + 5_000), vectors.slice(start, start + 5_000)));
      expect(r).toEqual({ status: 200, body: { success: true, count: 5_000 } });
    }
    const staged = await api('GET', '/ingest/status?index_name=big');
    expect(staged.body.session).toMatchObject({ mode: 'build', status: 'open', rows_staged: N, build: null });
    // Staged rows are not searchable before finalize.
    expect((await search('big', vectors[0], 1))[0].id).not.toBe('row-0');

    const finalizing = api('POST', '/finalize', { index_name: 'big', optimize: true, params: { M: 16, ef_construction: 100, ef_search: 128, rng_seed: 7 } });
    let finished = false;
    void finalizing.then(() => (finished = true));
    let searchedDuringBuild = 0;
    let sawProgress = false;
    while (!finished) {
      const [hit, status] = await Promise.all([search('big', old[3], 1), api('GET', '/ingest/status?index_name=big')]);
      if (finished) break;
      // The swap can land a moment before finalize's answer reaches us: from then on the new
      // index serves, so stop polling (the old index must have answered at least once before).
      if (hit[0].id !== 'old-3') {
        expect(hit[0].id).toMatch(/^row-/);
        break;
      }
      searchedDuringBuild++;
      if (status.body.session?.build) {
        sawProgress = true;
        expect(status.body.session.build.total).toBe(N);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(searchedDuringBuild).toBeGreaterThan(0);
    expect(sawProgress).toBe(true);
    const fin = await finalizing;
    expect(fin).toEqual({ status: 200, body: { success: true, message: "Finalized ingest for index 'big' (optimize=true)", index_name: 'big' } });

    // Build mode replaced the index: the old vectors are gone, the session's rows serve.
    expect((await search('big', old[3], 1))[0].id).not.toBe('old-3');
    const queries = randomVectors(100, DIM, 3);
    let hits = 0;
    for (const q of queries) {
      const exact = exactTopK(vectors, q, 10, 'cosine').map((i) => ids[i]);
      const got = new Set((await search('big', q, 10)).map((r) => r.id));
      hits += exact.filter((id) => got.has(id)).length;
    }
    expect(hits / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
    const after = await api('GET', '/ingest/status?index_name=big');
    expect(after.body).toMatchObject({ index_name: 'big', session: null, vectors: N });
  });

  it('insert mode files an existing id in ingest_errors and accepts the new ones; upsert mode replaces', async () => {
    expect((await create('ins', 1)).status).toBe(201);
    const base = randomVectors(3, DIM, 10);
    await api('POST', '/vectordb/collections/ins/streaming/upsert', { vectors: base.map((v, i) => ({ id: `a${i}`, dense_values: v })) });

    expect((await api('POST', '/init', { index_name: 'ins', mode: 'insert' })).status).toBe(200);
    const fresh = randomVectors(2, DIM, 11);
    expect((await api('POST', '/ingest', { index_name: 'ins', external_id: 'a1', vector: fresh[0] })).body).toEqual({ success: true });
    expect((await api('POST', '/ingest', { index_name: 'ins', external_id: 'b1', vector: fresh[1] })).status).toBe(200);
    expect((await api('POST', '/finalize', { index_name: 'ins' })).status).toBe(200);
    expect((await search('ins', fresh[1], 1))[0].id).toBe('b1');
    // a1 kept its original vector.
    expect((await search('ins', base[1], 1))[0]).toMatchObject({ id: 'a1' });
    expect((await search('ins', base[1], 1))[0].score).toBeCloseTo(1, 4);
    const errors = await t.db.query(`SELECT reason, message FROM ingest_errors WHERE source_id = 'ins'`);
    expect(errors).toHaveLength(1);
    expect(errors[0].reason).toBe('DUPLICATE_ID');
    expect(errors[0].message).toContain("'a1'");

    expect((await api('POST', '/init', { index_name: 'ins', mode: 'upsert' })).status).toBe(200);
    const replacement = randomVectors(1, DIM, 12)[0];
    await api('POST', '/ingest', { index_name: 'ins', external_id: 'a2', vector: replacement });
    expect((await api('POST', '/finalize', { index_name: 'ins' })).status).toBe(200);
    const hit = (await search('ins', replacement, 1))[0];
    expect(hit.id).toBe('a2');
    expect(hit.score).toBeCloseTo(1, 4);
    expect((await search('ins', base[2], 1))[0].id).not.toBe('a2');
  });

  it('answers 400/404/409 for every misuse, and appends nothing from a bad binary body', async () => {
    expect((await create('errs', 1)).status).toBe(201);
    expect((await api('POST', '/init', { index_name: 'nope', mode: 'build' })).status).toBe(404);
    const badMode = await api('POST', '/init', { index_name: 'errs', mode: 'rebuild' });
    expect(badMode.status).toBe(400);
    expect(badMode.body.error.field).toBe('mode');
    expect((await api('POST', '/init', { mode: 'build' })).body.error.field).toBe('index_name');
    const noSession = await api('POST', '/ingest', { index_name: 'errs', external_id: 'x', vector: new Array(DIM).fill(0.1) });
    expect(noSession.status).toBe(409);
    expect(noSession.body.error.message).toMatch(/no open ingest session/);
    expect((await api('POST', '/finalize', { index_name: 'errs' })).status).toBe(409);

    expect((await api('POST', '/init', { index_name: 'errs', mode: 'upsert' })).status).toBe(200);
    expect((await api('POST', '/init', { index_name: 'errs', mode: 'build' })).status).toBe(409);
    const cases: [unknown, string][] = [
      [{ index_name: 'errs', vector: new Array(DIM).fill(0.1) }, 'external_id'],
      [{ index_name: 'errs', external_id: 'x' }, 'vector'],
      [{ index_name: 'errs', external_id: 'x', vector: [1, 2] }, 'vector'],
      [{ index_name: 'errs', external_id: 'x', vector: [...new Array(DIM - 1).fill(0.1), 'a'] }, `vector[${DIM - 1}]`],
    ];
    for (const [body, field] of cases) {
      const r = await api('POST', '/ingest', body);
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    expect((await api('POST', '/ingest', { index_name: 'nope', external_id: 'x', vector: [1] })).status).toBe(404);

    const good = binaryRows(['g1', 'g2'], randomVectors(2, DIM, 20));
    const misaligned = await batch('errs', Buffer.concat([good, Buffer.alloc(10)]));
    expect(misaligned.status).toBe(400);
    expect(misaligned.body.error.message).toMatch(/row 2: body length \d+ is not a multiple of the row size 288/);
    const nan = binaryRows(['n1', 'n2'], randomVectors(2, DIM, 21));
    nan.writeFloatLE(NaN, 288 + 32 + 5 * 4);
    const nanRes = await batch('errs', nan);
    expect(nanRes.status).toBe(400);
    expect(nanRes.body.error.message).toMatch(/row 1: component 5 \(NaN\) is not a finite float32 number/);
    const emptyId = binaryRows(['', 'e2'], randomVectors(2, DIM, 22));
    expect((await batch('errs', emptyId)).body.error.message).toMatch(/row 0: the external id is empty/);
    const nonAscii = binaryRows(['ok'], randomVectors(1, DIM, 23));
    nonAscii[1] = 0xe9;
    expect((await batch('errs', nonAscii)).body.error.message).toMatch(/row 0: the external id has a non-printable-ASCII byte/);
    expect((await batch('nope', good)).status).toBe(404);
    const missingName = await fetch(`${t.app.url}/ingest/batch`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...authHeader() }, body: good });
    expect(missingName.status).toBe(400);
    const badParams = await api('POST', '/finalize', { index_name: 'errs', params: { M: 0 } });
    expect(badParams.status).toBe(400);
    expect(badParams.body.error.field).toBe('params.M');

    // None of the rejected bodies staged anything.
    const status = await api('GET', '/ingest/status?index_name=errs');
    expect(status.body.session.rows_staged).toBe(0);
    expect((await api('POST', '/finalize', { index_name: 'errs' })).status).toBe(200);
    expect((await api('GET', '/ingest/status?index_name=errs')).body.vectors).toBe(0);
  });

  it('keeps staged rows across a restart between ingest and finalize', async () => {
    expect((await create('restart', 2)).status).toBe(201);
    expect((await api('POST', '/init', { index_name: 'restart', mode: 'build' })).status).toBe(200);
    const vectors = randomVectors(500, DIM, 30);
    const ids = vectors.map((_, i) => `r${i}`);
    expect((await batch('restart', binaryRows(ids, vectors))).body.count).toBe(500);
    await t.restartApp();
    expect((await api('GET', '/ingest/status?index_name=restart')).body.session).toMatchObject({ status: 'open', rows_staged: 500 });
    expect((await api('POST', '/finalize', { index_name: 'restart' })).status).toBe(200);
    for (const i of [0, 250, 499]) expect((await search('restart', vectors[i], 1))[0].id).toBe(ids[i]);
    expect((await api('GET', '/ingest/status?index_name=restart')).body.vectors).toBe(500);
  });

  it('builds identical indexes from the same rows with the same rng_seed', async () => {
    const vectors = randomVectors(2_000, DIM, 40);
    const ids = vectors.map((_, i) => `s${i}`);
    const queries = randomVectors(30, DIM, 41);
    const build = async (name: string) => {
      expect((await create(name, 2)).status).toBe(201);
      await api('POST', '/init', { index_name: name, mode: 'build' });
      await batch(name, binaryRows(ids, vectors));
      expect((await api('POST', '/finalize', { index_name: name, params: { M: 8, ef_construction: 40, ef_search: 20, rng_seed: 1234 } })).status).toBe(200);
      return Promise.all(queries.map((q) => search(name, q, 10)));
    };
    const a = await build('seeded-a');
    const b = await build('seeded-b');
    expect(b).toEqual(a);
  });

  it('replays a finalized session from the log into the same index', async () => {
    const before = await search('restart', randomVectors(1, DIM, 50)[0], 10);
    const fs = await import('node:fs');
    const path = await import('node:path');
    await t.restartApp((dataDir) => fs.rmSync(path.join(dataDir, 'indexes'), { recursive: true, force: true }));
    await eventually(async () => (await api('GET', '/ingest/status?index_name=restart')).body.vectors === 500, 60_000, 'the replayed build');
    expect((await search('restart', randomVectors(1, DIM, 50)[0], 10)).map((r) => r.id)).toEqual(before.map((r) => r.id));
  });

  it('refuses at /ingest and /ingest/batch every vector streaming upsert refuses, naming the row', async () => {
    const H = (name: string, dimension: number) => api('POST', '/vectordb/collections', { name, dense_vector: { enabled: true, dimension } });
    expect((await H('wipe', 3)).status).toBe(201);
    await api('POST', '/vectordb/collections/wipe/streaming/upsert', { vectors: [{ id: 's1', dense_values: [1, 0, 0] }, { id: 's2', dense_values: [0, 1, 0] }] });
    expect((await api('POST', '/init', { index_name: 'wipe', mode: 'build' })).status).toBe(200);
    expect((await api('POST', '/ingest', { index_name: 'wipe', external_id: 'b1', vector: [1, 1, 0] })).status).toBe(200);
    const zero = await api('POST', '/ingest', { index_name: 'wipe', external_id: 'b2', vector: [0, 0, 0] });
    expect(zero.status).toBe(400);
    expect(zero.body.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'vector' });
    expect(zero.body.error.message).toMatch(/all zeros/);
    expect((await api('POST', '/ingest', { index_name: 'wipe', external_id: 'b3', vector: [0, 1, 1] })).status).toBe(200);
    expect((await api('POST', '/finalize', { index_name: 'wipe' })).status).toBe(200);
    const hits = await search('wipe', [1, 1, 1], 10);
    expect(hits.map((h) => h.id).sort()).toEqual(['b1', 'b3']);

    // The binary batch: a zero row among good ones (insert mode), an overflowing norm (upsert mode).
    expect((await create('zrows', 1)).status).toBe(201);
    expect((await api('POST', '/init', { index_name: 'zrows', mode: 'insert' })).status).toBe(200);
    const rows = randomVectors(3, DIM, 60);
    rows[1] = new Array(DIM).fill(0);
    const zeroRow = await batch('zrows', binaryRows(['z0', 'z1', 'z2'], rows));
    expect(zeroRow.status).toBe(400);
    expect(zeroRow.body.error.message).toMatch(/row 1: the vector is all zeros/);
    const huge = randomVectors(2, DIM, 61);
    huge[0][0] = 3e38;
    huge[0][1] = 3e38;
    const hugeRow = await batch('zrows', binaryRows(['h0', 'h1'], huge));
    expect(hugeRow.status).toBe(400);
    expect(hugeRow.body.error.message).toMatch(/row 0: the vector is too large/);
    const hugeJson = await api('POST', '/ingest', { index_name: 'zrows', external_id: 'h0', vector: huge[0] });
    expect(hugeJson.status).toBe(400);
    expect(hugeJson.body.error.message).toMatch(/overflows float32/);
    expect((await api('GET', '/ingest/status?index_name=zrows')).body.session.rows_staged).toBe(0);
  });

  it('a row the index refuses during a build goes to ingest_errors with its id; every other row is built', async () => {
    expect((await create('direct', 1)).status).toBe(201);
    const kept = randomVectors(2, DIM, 70);
    await api('POST', '/vectordb/collections/direct/streaming/upsert', { vectors: [{ id: 'old', dense_values: kept[0] }] });
    expect((await api('POST', '/init', { index_name: 'direct', mode: 'upsert' })).status).toBe(200);
    const sessionId: string = (await api('GET', '/ingest/status?index_name=direct')).body.session.session_id;
    const good = randomVectors(20, DIM, 71);
    const ids = good.map((_, i) => `g${i}`);
    expect((await batch('direct', binaryRows(ids.slice(0, 10), good.slice(0, 10)))).status).toBe(200);
    // A Kafka producer writes a zero vector straight into the session: no HTTP check sees it.
    const producer = kafkaClient(t.broker).producer();
    await producer.connect();
    await producer.send({
      topic: 'intake.collection.direct',
      messages: [{ partition: 0, key: 'zero', value: Buffer.from(new Float32Array(DIM).buffer), headers: { 'intake-op': 'upsert', 'intake-session': sessionId } }],
    });
    await producer.disconnect();
    expect((await batch('direct', binaryRows(ids.slice(10), good.slice(10)))).status).toBe(200);

    expect((await api('POST', '/finalize', { index_name: 'direct' })).status).toBe(200);
    for (let i = 0; i < 20; i += 3) expect((await search('direct', good[i], 1))[0].id).toBe(ids[i]);
    expect((await search('direct', kept[0], 1))[0].id).toBe('old');
    expect((await api('GET', '/ingest/status?index_name=direct')).body).toMatchObject({ session: null, vectors: 21 });
    const errors = await t.db.query(`SELECT reason, record_key, message FROM ingest_errors WHERE source_id = 'direct'`);
    expect(errors).toEqual([{ reason: 'INVALID_VECTOR', record_key: 'zero', message: expect.stringMatching(/all zeros/) }]);

    // A restart replays nothing into a second build: the same 21 vectors, the error filed once.
    await t.restartApp();
    expect((await api('GET', '/ingest/status?index_name=direct')).body.vectors).toBe(21);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM ingest_errors WHERE source_id = 'direct'`)).toEqual([{ n: 1 }]);
  });

  it('serves a collection created on another node, and closes a session whose /finalize timed out once its build lands', async () => {
    // A second node, started BEFORE the collection exists, whose /finalize gives up at once.
    const other = await startApp(t.infra, undefined, { INTAKE_FINALIZE_TIMEOUT_MS: '1', INTAKE_NODE_ID: 'node-1' });
    const on = (method: string, path: string, body?: unknown) => http(other.url, method, path, body);
    try {
      expect((await create('late', 1)).status).toBe(201);
      expect((await on('POST', '/init', { index_name: 'late', mode: 'build' })).status).toBe(200);
      const vectors = randomVectors(3_000, DIM, 80);
      const ids = vectors.map((_, i) => `l${i}`);
      const r = await fetch(`${other.url}/ingest/batch?index_name=late`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', ...authHeader() },
        body: binaryRows(ids, vectors),
      });
      expect(r.status).toBe(200);
      const fin = await on('POST', '/finalize', { index_name: 'late' });
      expect(fin.status).toBe(503);
      expect(fin.body.error.message).toMatch(/still running/);
      // Whichever node swaps the build in first closes the session; this node serves it once its own build lands.
      await eventually(
        async () => {
          const s = (await on('GET', '/ingest/status?index_name=late')).body;
          return s.session === null && s.vectors === 3_000;
        },
        60_000,
        'the session to close and the build to land on this node',
      );
      const hit = await on('POST', '/vectordb/collections/late/search/dense', { query_vector: vectors[7], top_k: 1 });
      expect(hit.body.results[0].id).toBe('l7');
      // The index takes a new session at once.
      expect((await on('POST', '/init', { index_name: 'late', mode: 'upsert' })).status).toBe(200);
      expect((await api('POST', '/finalize', { index_name: 'late' })).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('a node stopped in the middle of a build stops without waiting for it, and builds the session after its restart', async () => {
    expect((await create('midstop', 1)).status).toBe(201);
    expect((await api('POST', '/init', { index_name: 'midstop', mode: 'build' })).status).toBe(200);
    const N = 30_000;
    const vectors = randomVectors(N, DIM, 90);
    const ids = vectors.map((_, i) => `m${i}`);
    for (let start = 0; start < N; start += 10_000) {
      expect((await batch('midstop', binaryRows(ids.slice(start, start + 10_000), vectors.slice(start, start + 10_000)))).status).toBe(200);
    }
    const finalizing = api('POST', '/finalize', { index_name: 'midstop' }).catch(() => null);
    await eventually(async () => (await api('GET', '/ingest/status?index_name=midstop')).body.session?.build != null, 30_000, 'the build to start');
    await t.restartApp();
    await finalizing;
    await eventually(
      async () => {
        const st = (await api('GET', '/ingest/status?index_name=midstop')).body;
        return st.session === null && st.vectors === N;
      },
      120_000,
      'the build to be redone after the restart',
    );
    expect((await search('midstop', vectors[123], 1))[0].id).toBe('m123');
  });
});

// Seed 000 (streaming upsert/delete) and the Cosdata collection API, over HTTP,
// against the app on a real broker, real Postgres and real hnswlib indexes.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Topics } from '../../src/log/topics';
import { encodeVector } from '../../src/collections/vector-record';
import { LogClient } from '../../src/log/log-client';
import { authHeader, http, startApp, withTestApp } from '../support/app';
import { eventually, kafkaClient } from '../support/broker';
import { randomVectors } from '../support/vectors';

jest.setTimeout(180_000);
const run = promisify(execFile);

describe('collections over HTTP', () => {
  const t = withTestApp({ db: true });
  const DIM = 32;
  const vectors = randomVectors(1000, DIM, 7);
  const queries = randomVectors(20, DIM, 99);

  const api = (method: string, p: string, body?: unknown) => http(t.app.url, method, p, body);
  const searchAll = async (name: string) =>
    Promise.all(queries.map((q) => api('POST', `/vectordb/collections/${name}/search/dense`, { query_vector: q, top_k: 10 }).then((r) => r.body.results)));

  it('creates, lists, gets and refuses duplicate or malformed collections', async () => {
    const created = await api('POST', '/vectordb/collections', {
      name: 'docs',
      description: 'test docs',
      dense_vector: { enabled: true, dimension: DIM },
      metric: 'cosine',
      hnsw: { M: 16, ef_construction: 100, ef_search: 64 },
      shards: 2,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'docs', name: 'docs', dense_vector: { enabled: true, dimension: DIM }, shards: 2 });
    expect((await api('GET', '/vectordb/collections/docs')).body).toMatchObject({ name: 'docs', metric: 'cosine' });
    expect((await api('GET', '/vectordb/collections')).body.collections.map((c: { name: string }) => c.name)).toContain('docs');

    const dup = await api('POST', '/vectordb/collections', { name: 'docs', dense_vector: { enabled: true, dimension: DIM } });
    expect(dup.status).toBe(409);
    const cases: [unknown, string][] = [
      [{ name: 'Bad Name', dense_vector: { enabled: true, dimension: 4 } }, 'name'],
      [{ name: 'x1' }, 'dense_vector'],
      [{ name: 'x2', dense_vector: { enabled: true, dimension: 0 } }, 'dense_vector.dimension'],
      [{ name: 'x3', dense_vector: { enabled: true, dimension: 4 }, metric: 'manhattan' }, 'metric'],
      [{ name: 'x4', dense_vector: { enabled: true, dimension: 4 }, hnsw: { M: 1 } }, 'hnsw.M'],
      [{ name: 'x5', dense_vector: { enabled: true, dimension: 4 }, shards: 0 }, 'shards'],
    ];
    for (const [body, field] of cases) {
      const r = await api('POST', '/vectordb/collections', body);
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe(field);
      expect(r.body.error.message).toContain(field);
    }
    const notJson = await api('POST', '/vectordb/collections', '{"name": ');
    expect(notJson.status).toBe(400);
    expect((await api('GET', '/vectordb/collections/nope')).status).toBe(404);
    expect((await api('DELETE', '/vectordb/collections/nope')).status).toBe(404);
  });

  it('finds each of 1,000 upserted vectors as its own top-1 right after its call returned', async () => {
    for (let start = 0; start < vectors.length; start += 100) {
      const batch = vectors.slice(start, start + 100).map((v, i) => ({ id: `v${start + i}`, dense_values: v, metadata: { n: start + i } }));
      const up = await api('POST', '/vectordb/collections/docs/streaming/upsert', { vectors: batch });
      expect(up.status).toBe(200);
      // Eventual consistency on purpose: the upsert itself must have made these visible.
      const hits = await Promise.all(
        batch.map((b) => api('POST', '/vectordb/collections/docs/search/dense', { query_vector: b.dense_values, top_k: 1, consistency: 'eventual' })),
      );
      hits.forEach((h, i) => expect(h.body.results[0].id).toBe(batch[i].id));
    }
  });

  it('embeds text server-side: a text upsert is found by searching the same text', async () => {
    const up = await api('POST', '/vectordb/collections/docs/streaming/upsert', {
      vectors: [
        { id: 't1', text: 'the quick brown fox jumps over the lazy dog' },
        { id: 't2', text: 'kafka partitions are the unit of parallelism' },
      ],
    });
    expect(up.status).toBe(200);
    const r = await api('POST', '/vectordb/collections/docs/search/dense', { query_text: 'kafka partitions are the unit of parallelism', top_k: 1 });
    expect(r.body.results[0].id).toBe('t2');
    expect(r.body.results[0].score).toBeCloseTo(1, 4);
  });

  it('rejects bad upserts with 400 naming the field, and appends nothing from a bad batch', async () => {
    const good = { id: 'ok-1', dense_values: vectors[0] };
    const cases: [unknown, string][] = [
      [{ vectors: [good, { id: 'w', dense_values: [1, 2, 3] }] }, 'vectors[1].dense_values'],
      [{ vectors: [{ id: 'n', dense_values: [...vectors[0].slice(1), 'x'] }] }, `vectors[0].dense_values[${DIM - 1}]`],
      [{ vectors: [{ id: '', dense_values: vectors[0] }] }, 'vectors[0].id'],
      [{ vectors: [{ id: 'x'.repeat(300), dense_values: vectors[0] }] }, 'vectors[0].id'],
      [{ vectors: [{ id: 'both', dense_values: vectors[0], text: 'hi' }] }, 'vectors[0]'],
      [{ vectors: [{ id: 'neither' }] }, 'vectors[0]'],
      [{ vectors: [] }, 'vectors'],
      [{ vectors: [{ id: 'z', dense_values: new Array(DIM).fill(0) }] }, 'vectors[0].dense_values'],
    ];
    const before = await searchAll('docs');
    for (const [body, field] of cases) {
      const r = await api('POST', '/vectordb/collections/docs/streaming/upsert', body);
      expect(r.status).toBe(400);
      expect(r.body.error.field).toBe(field);
    }
    // NaN / Infinity cannot be written in JSON; a literal that overflows to Infinity is refused too.
    const overflow = await api('POST', '/vectordb/collections/docs/streaming/upsert', `{"vectors":[{"id":"inf","dense_values":[${['1e400', ...vectors[0].slice(1)].join(',')}]}]}`);
    expect(overflow.status).toBe(400);
    expect((await api('POST', '/vectordb/collections/nope/streaming/upsert', { vectors: [good] })).status).toBe(404);
    expect((await api('POST', '/vectordb/collections/nope/search/dense', { query_vector: vectors[0] })).status).toBe(404);
    const badSearch = await api('POST', '/vectordb/collections/docs/search/dense', { query_vector: [1], top_k: 5 });
    expect(badSearch.status).toBe(400);
    expect(badSearch.body.error.field).toBe('query_vector');
    // The good vector in the rejected batch was not appended.
    const probe = await api('POST', '/vectordb/collections/docs/search/dense', { query_vector: vectors[0], top_k: 1 });
    expect(probe.body.results[0].id).toBe('v0');
    expect(await searchAll('docs')).toEqual(before);
  });

  it('an Idempotency-Key makes a retried upsert or delete answer the first answer and append nothing again', async () => {
    expect((await api('POST', '/vectordb/collections', { name: 'idem', dense_vector: { enabled: true, dimension: DIM } })).status).toBe(201);
    const send = (method: string, path: string, key: string, body?: unknown) =>
      fetch(`${t.app.url}${path}`, {
        method,
        headers: { ...authHeader(), 'idempotency-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, replayed: r.headers.get('idempotent-replayed'), text: await r.text() }));
    const ends = async () => [...(await t.app.app.get(LogClient).endOffsets('intake.collection.idem')).values()].reduce((a, b) => a + b, 0n);
    const body = { vectors: [{ id: 'i1', dense_values: vectors[1] }, { id: 'i2', dense_values: vectors[2] }] };
    const first = await send('POST', '/vectordb/collections/idem/streaming/upsert', 'k-1', body);
    expect(first).toMatchObject({ status: 200, replayed: null });
    const afterFirst = await ends();
    const again = await send('POST', '/vectordb/collections/idem/streaming/upsert', 'k-1', body);
    expect({ ...again, text: JSON.parse(again.text) }).toEqual({ status: 200, replayed: 'true', text: JSON.parse(first.text) });
    expect(await ends()).toBe(afterFirst);
    const other = await send('POST', '/vectordb/collections/idem/streaming/upsert', 'k-1', { vectors: [{ id: 'i3', dense_values: vectors[3] }] });
    expect(other.status).toBe(409);
    expect(JSON.parse(other.text).error.field).toBe('Idempotency-Key');
    expect((await send('DELETE', '/vectordb/collections/idem/streaming/delete/i1', 'k-2')).status).toBe(204);
    const deletedAgain = await send('DELETE', '/vectordb/collections/idem/streaming/delete/i1', 'k-2');
    expect(deletedAgain).toMatchObject({ status: 204, replayed: 'true' });
    expect(await ends()).toBe(afterFirst + 1n);
  });

  it('deletes a vector: 204, then 404, and it is gone from search', async () => {
    const del = await api('DELETE', '/vectordb/collections/docs/streaming/delete/v5');
    expect(del.status).toBe(204);
    const again = await api('DELETE', '/vectordb/collections/docs/streaming/delete/v5');
    expect(again.status).toBe(404);
    expect((await api('DELETE', '/vectordb/collections/docs/streaming/delete/never-there')).status).toBe(404);
    expect((await api('DELETE', '/vectordb/collections/nope/streaming/delete/v1')).status).toBe(404);
    const r = await api('POST', '/vectordb/collections/docs/search/dense', { query_vector: vectors[5], top_k: 10 });
    expect(r.body.results.map((x: { id: string }) => x.id)).not.toContain('v5');
  });

  it('a vector produced straight to the topic with kcat becomes searchable; a malformed one lands in ingest_errors', async () => {
    const topic = Topics.collection('docs');
    const vec = randomVectors(1, DIM, 12345)[0];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-kcat-'));
    const good = path.join(dir, 'good.bin');
    const bad = path.join(dir, 'bad.bin');
    fs.writeFileSync(good, encodeVector(vec));
    fs.writeFileSync(bad, Buffer.from([1, 2, 3, 4, 5]));
    // murmur2 is Kafka's Java default, which Intake uses to pick a vector's shard.
    const kcat = (file: string, key: string) =>
      run('kcat', ['-b', t.broker.address, '-X', 'broker.address.family=v4', '-X', 'partitioner=murmur2_random', '-P', '-t', topic, '-k', key, '-H', 'intake-op=upsert', file], { timeout: 20_000 });
    await kcat(good, 'from-kcat');
    await kcat(bad, 'broken-kcat');
    const r = await api('POST', '/vectordb/collections/docs/search/dense', { query_vector: vec, top_k: 1 });
    expect(r.body.results[0].id).toBe('from-kcat');
    await eventually(async () => (await t.db.query(`SELECT 1 FROM ingest_errors WHERE topic = $1`, [topic])).length > 0, 10_000, 'the error row');
    const rows = await t.db.query(`SELECT source, source_id, reason, payload FROM ingest_errors WHERE topic = $1`, [topic]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ source: 'collection', source_id: 'docs', reason: 'WRONG_DIMENSION' });
    expect(Buffer.from(rows[0].payload)).toEqual(Buffer.from([1, 2, 3, 4, 5]));
  });

  it('gives identical search results after a restart, and after deleting the checkpoint and replaying the log', async () => {
    const before = await searchAll('docs');
    await t.restartApp();
    expect(await searchAll('docs')).toEqual(before);

    await t.restartApp((dataDir) => fs.rmSync(path.join(dataDir, 'indexes'), { recursive: true, force: true }));
    const replayed = await searchAll('docs');
    // Same ids in the same order; scores equal to float precision.
    expect(replayed.map((rs) => rs.map((x: { id: string }) => x.id))).toEqual(before.map((rs) => rs.map((x: { id: string }) => x.id)));
    // The malformed record was filed once, not again on replay.
    const rows = await t.db.query(`SELECT count(*)::int AS n FROM ingest_errors WHERE source_id = 'docs'`);
    expect(rows[0].n).toBe(1);
  });

  it('answers 503 with the offsets when the index does not apply a write in time; the write still lands', async () => {
    // A log backlog a fresh node must replay before it reaches anything new.
    expect((await api('POST', '/vectordb/collections', { name: 'backlog', dense_vector: { enabled: true, dimension: DIM } })).status).toBe(201);
    const backlog = randomVectors(30_000, DIM, 777);
    for (let s = 0; s < backlog.length; s += 5_000) {
      const up = await api('POST', '/vectordb/collections/backlog/streaming/upsert', {
        vectors: backlog.slice(s, s + 5_000).map((v, i) => ({ id: `b${s + i}`, dense_values: v })),
      });
      expect(up.status).toBe(200);
    }
    // A second node on the same log and database, with an apply timeout it cannot meet while replaying.
    const impatient = await startApp(t.infra, undefined, { INTAKE_APPLY_TIMEOUT_MS: '1', INTAKE_NODE_ID: 'node-impatient' });
    try {
      const vec = randomVectors(1, DIM, 4242)[0];
      const r = await http(impatient.url, 'POST', '/vectordb/collections/backlog/streaming/upsert', { vectors: [{ id: 'slow-0', dense_values: vec }] });
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('INTAKE_UNAVAILABLE');
      expect(Object.keys(r.body.error.offsets).length).toBeGreaterThan(0);
      // It is in the log: the first node (and, later, this one) serve it.
      const hit = await api('POST', '/vectordb/collections/backlog/search/dense', { query_vector: vec, top_k: 1 });
      expect(hit.body.results[0].id).toBe('slow-0');
    } finally {
      await impatient.close();
    }
  });

  it('a strong search sees a backlog a Kafka producer appended just before it, while strong reads keep going', async () => {
    expect((await api('POST', '/vectordb/collections', { name: 'produced', dense_vector: { enabled: true, dimension: DIM }, shards: 1 })).status).toBe(201);
    const kafka = kafkaClient(t.broker);
    const producer = kafka.producer();
    await producer.connect();
    // Strong reads in the background: this node has no writes of its own, so they take the
    // path that searches while the end offsets are looked up.
    let stop = false;
    const background = (async () => {
      while (!stop) expect((await api('POST', '/vectordb/collections/produced/search/dense', { query_vector: queries[0], top_k: 3 })).status).toBe(200);
    })();
    try {
      for (let round = 0; round < 2; round++) {
        const backlog = randomVectors(20_000, DIM, 5000 + round);
        const marker = backlog[backlog.length - 1];
        for (let s = 0; s < backlog.length; s += 2_000) {
          await producer.send({
            topic: Topics.collection('produced'),
            acks: -1,
            messages: backlog.slice(s, s + 2_000).map((v, i) => ({ key: `p${round}-${s + i}`, value: encodeVector(v), headers: { 'intake-op': 'upsert' }, partition: 0 })),
          });
        }
        const hit = await api('POST', '/vectordb/collections/produced/search/dense', { query_vector: marker, top_k: 1 });
        expect(hit.body.results[0]?.id).toBe(`p${round}-${backlog.length - 1}`);
      }
    } finally {
      stop = true;
      await background;
      await producer.disconnect();
    }
  });

  it('reports log, database and consumer lag in /health and collection metrics in /metrics', async () => {
    const health = await api('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.details).toMatchObject({ log: { status: 'up' }, database: { status: 'up' }, consumer_lag: { status: 'up', records: '0' } });
    const metrics = await fetch(`${t.app.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/intake_collection_vectors\{collection="docs"\} \d+/);
    expect(metrics).toMatch(/intake_http_requests_total\{method="POST",route="\/vectordb\/collections\/:id\/search\/dense",status="200"\} \d+/);
  });

  it('deletes a collection with its topic and files', async () => {
    const del = await api('DELETE', '/vectordb/collections/docs');
    expect(del.status).toBe(204);
    expect((await api('GET', '/vectordb/collections/docs')).status).toBe(404);
    expect(fs.existsSync(path.join(t.app.dataDir, 'indexes', 'docs'))).toBe(false);
    expect(t.broker.cluster.topics.has(Topics.collection('docs'))).toBe(false);
    const recreated = await api('POST', '/vectordb/collections', { name: 'docs', dense_vector: { enabled: true, dimension: 4 } });
    expect(recreated.status).toBe(201);
    const search = await api('POST', '/vectordb/collections/docs/search/dense', { query_vector: [1, 0, 0, 0], top_k: 3 });
    expect(search.body.results).toEqual([]);
  });
});

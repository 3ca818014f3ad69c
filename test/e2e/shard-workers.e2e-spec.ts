// Collection shards in worker threads (issue 15): a shard worker that dies is replaced,
// its shards reopen from their last checkpoints and replay the log with no vector lost
// or doubled; and /health keeps answering while a 100,000-vector backlog is applied
// (the hnswlib work runs in the workers, not on the event loop that serves HTTP; the
// node runs in a child process so the test's own work is not on that loop either).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CollectionRegistry } from '../../src/collections/collection.registry';
import { encodeVector } from '../../src/collections/vector-record';
import { TEST_HOOKS_ENV } from '../../src/collections/workers/shard-protocol';
import { LogClient } from '../../src/log/log-client';
import { partitionForKey } from '../../src/log/partitioner';
import { Topics } from '../../src/log/topics';
import { TestApp, http, startApp, withTestApp } from '../support/app';
import { spawnAppNode } from '../support/app-nodes';
import { eventually, tempDir } from '../support/broker';
import { randomVectors } from '../support/vectors';

jest.setTimeout(600_000);
// The test-only request that makes a worker exit as a crash would.
process.env[TEST_HOOKS_ENV] = '1';

/** Generous on a loaded 2-core machine; a /health on an idle node takes a few ms. */
const HEALTH_ANSWER_MS_MAX = 5_000;

describe('collection shards in worker threads', () => {
  const t = withTestApp({ app: false, db: true });
  let app: TestApp;
  const api = (method: string, p: string, body?: unknown) => http(app.url, method, p, body);
  const metric = async (line: RegExp): Promise<number> => {
    const text = await fetch(`${app.url}/metrics`).then((r) => r.text());
    const m = line.exec(text);
    return m ? Number(m[1]) : NaN;
  };

  beforeAll(async () => {
    // Checkpoints every 500 records, so a crash has a recent checkpoint and a tail to replay.
    app = await startApp(t.infra, undefined, { INTAKE_CHECKPOINT_EVERY_RECORDS: '500' });
    t.onTeardown(() => app.close());
  });

  it('restarts a crashed shard worker from its checkpoint and replays the log: every vector once, deletes kept', async () => {
    const DIM = 16;
    const name = 'crashy';
    expect((await api('POST', '/vectordb/collections', { name, dense_vector: { enabled: true, dimension: DIM }, shards: 2 })).status).toBe(201);
    const vectors = randomVectors(4_000, DIM, 15);
    const upsert = async (from: number, to: number) => {
      for (let s = from; s < to; s += 500) {
        const r = await api('POST', `/vectordb/collections/${name}/streaming/upsert`, {
          vectors: vectors.slice(s, Math.min(s + 500, to)).map((v, i) => ({ id: `v${s + i}`, dense_values: v })),
        });
        expect(r.status).toBe(200);
      }
    };
    await upsert(0, 2_700);
    for (const id of ['v1', 'v2', 'v3']) expect((await api('DELETE', `/vectordb/collections/${name}/streaming/delete/${id}`)).status).toBe(204);

    const m = app.app.get(CollectionRegistry).get(name)!;
    // The shard holding v1: its delete came after its last checkpoint (3 records < 500), so
    // only a replay of the log's tail can delete it again once the checkpoint is reloaded.
    const lostShard = m.shardOf('v1');
    const checkpoint = JSON.parse(fs.readFileSync(path.join(app.dataDir, 'indexes', name, `shard-${lostShard}`, 'applied-offset.json'), 'utf8'));
    const appliedAtCrash = m.applied.get(lostShard);
    expect(BigInt(checkpoint.nextOffset)).toBeGreaterThan(0n);
    expect(BigInt(checkpoint.nextOffset)).toBeLessThan(appliedAtCrash);
    await m.crashWorkerForTest(lostShard);
    expect(await metric(/^intake_shard_worker_restarts (\d+)/m)).toBe(1);
    // Writes go on while the shard reopens; they wait for it and land.
    await upsert(2_700, 4_000);

    const ends = await (async () => {
      const log = new LogClient({ brokers: [t.broker.address], clientId: 'shard-workers-test' });
      await log.connect();
      try {
        return await log.endOffsets(Topics.collection(name));
      } finally {
        await log.close();
      }
    })();
    // The lost shard caught up with the log again.
    await eventually(() => m.applied.get(lostShard) === ends.get(lostShard), 120_000, 'the reopened shard to reach the log end');
    expect(m.size).toBe(4_000 - 3);
    expect(await metric(/^intake_collection_vectors\{collection="crashy"\} (\d+)/m)).toBe(4_000 - 3);
    for (let i = 0; i < vectors.length; i += 7) {
      const r = await api('POST', `/vectordb/collections/${name}/search/dense`, { query_vector: vectors[i], top_k: 3, ef_search: 128, consistency: 'strong' });
      expect(r.status).toBe(200);
      if (i >= 1 && i <= 3) expect(r.body.results.map((x: { id: string }) => x.id)).not.toContain(`v${i}`);
      else expect(r.body.results[0].id).toBe(`v${i}`);
    }
    // No id twice in a result list (a doubled vector would show up as its own neighbour).
    const top = await api('POST', `/vectordb/collections/${name}/search/dense`, { query_vector: vectors[10], top_k: 50, ef_search: 128 });
    const ids = top.body.results.map((x: { id: string }) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers /health while a 100,000-vector backlog is applied in the shard workers', async () => {
    const DIM = 64;
    const name = 'backlog';
    expect(
      (await api('POST', '/vectordb/collections', { name, dense_vector: { enabled: true, dimension: DIM }, shards: 2, hnsw: { M: 16, ef_construction: 200 } })).status,
    ).toBe(201);
    // The backlog goes straight into the log while no node serves the collection...
    await app.close();
    const topic = Topics.collection(name);
    const log = new LogClient({ brokers: [t.broker.address], clientId: 'backlog-producer' });
    await log.connect();
    t.onTeardown(() => log.close());
    const N = 100_000;
    for (let s = 0; s < N; s += 5_000) {
      const rows = randomVectors(5_000, DIM, 100 + s);
      await log.append(
        topic,
        rows.map((v, i) => ({ key: `b${s + i}`, value: encodeVector(v), headers: { 'intake-op': 'upsert' }, partition: partitionForKey(topic, `b${s + i}`, 2) })),
      );
    }
    // ...then a node in a process of its own (the test's work stays off its event loop) applies all of it.
    const node = await spawnAppNode(t.broker.address, t.pg.url, tempDir('backlog-node'), 'node-backlog');
    t.onTeardown(() => node.stop());
    const answers: { ms: number; status: number; lag: number; body: unknown }[] = [];
    const started = Date.now();
    for (;;) {
      const before = Date.now();
      const r = await http(node.url, 'GET', '/health');
      answers.push({ ms: Date.now() - before, status: r.status, lag: Number(r.body.details?.consumer_lag?.records ?? NaN), body: r.body });
      if (r.status === 200 && answers[answers.length - 1].lag === 0) break;
      if (Date.now() - started > 500_000) throw new Error(`the backlog was not applied in time; last /health: ${JSON.stringify(r.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const vectors = await fetch(`${node.url}/metrics`).then((r) => r.text());
    expect(/^intake_collection_vectors\{collection="backlog"\} (\d+)/m.exec(vectors)?.[1]).toBe(String(N));
    // /health answered every time, and many times while records were still waiting to be applied.
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.filter((a) => a.lag > 0).length).toBeGreaterThan(3);
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(HEALTH_ANSWER_MS_MAX);
  });
});

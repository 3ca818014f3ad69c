// Upsertion tasks (seed 004) on one node: every route and every status transition,
// idempotency by task_id, items searchable in the right collection with their payload
// as metadata, failed_items, a cancel in the middle of a 5,000-item task, a restart
// after a failure, list parameters, and commands a direct producer got wrong.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashingEmbed } from '../../src/embeddings';
import { partitionForKey } from '../../src/log/partitioner';
import { LogClient } from '../../src/log/log-client';
import { http, startApp, withTestApp } from '../support/app';
import { eventually } from '../support/broker';
import { TASKS, TaskBody, collectionSize, itemText, readTopic, taskInfo, textItems, waitForStatus, workerCaughtUp } from '../support/tasks';
import { tempDir } from '../support/temp-dir';

jest.setTimeout(300_000);

/** Small batches so a 5,000-item task runs long enough to be canceled in its middle. */
const BATCH_ITEMS = 50;

describe('upsertion tasks', () => {
  const t = withTestApp({ app: false, db: true });
  let log: LogClient;
  let partitions: number;
  const api = (method: string, path: string, body?: unknown) => http(t.app.url, method, path, body);
  const search = async (collection: string, text: string, topK = 5): Promise<string[]> => {
    // A wide ef: the collections hold thousands of near-identical texts, and the test asks for the exact one.
    const res = await api('POST', `/vectordb/collections/${collection}/search/dense`, { query_text: text, top_k: topK, ef_search: 512 });
    expect(res.status).toBe(200);
    return res.body.results.map((r: { id: string }) => r.id);
  };
  const caughtUp = () => eventually(() => workerCaughtUp(t.db, t.broker.address), 120_000, 'the task worker to reach the log end');

  beforeAll(async () => {
    t.app = await startApp(t.infra, tempDir('tasks-app'), { INTAKE_TASK_BATCH_ITEMS: String(BATCH_ITEMS) });
    log = new LogClient({ brokers: [t.broker.address], clientId: 'tasks-test' });
    await log.connect();
    partitions = (await log.endOffsets('intake.tasks')).size;
    t.onTeardown(() => log.close());
  });

  it('has the default and categories collections from the first start, served by the collections API', async () => {
    for (const name of ['default', 'categories']) {
      const res = await api('GET', `/vectordb/collections/${name}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name, dense_vector: { enabled: true, dimension: 384 }, metric: 'cosine' });
    }
  });

  it('runs a task: answered pending in the seed shape, then done; items searchable in default with their payload as metadata; failed_items say why', async () => {
    const good = textItems('alpha', 3, (i) => ({ title: `paper ${i}`, tags: ['ml', `t${i}`] }));
    const items = [
      good[0],
      { object_id: 'alpha-no-payload' },
      good[1],
      { object_id: 'alpha-no-text', payload: { title: 'no text field' } },
      { object_id: 'alpha-blank', payload: { text: '   ' } },
      { object_id: 'alpha-symbols', payload: { text: '!!! ??? ...' } },
      { object_id: 'alpha-huge', payload: { text: 'big payload', blob: 'x'.repeat(70 * 1024) } },
      { object_id: 'alpha-info', payload: { text: itemText('alpha', 99) }, item_info: { source: 's3://bucket/file.pdf' } },
      good[2],
    ];
    const res = await api('POST', `${TASKS}/run`, { task_id: 'task-alpha', items });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).slice(0, 5)).toEqual(['id', 'status', 'created_at', 'updated_at', 'failed_items']);
    expect(res.body).toMatchObject({ id: 'task-alpha', status: 'pending', failed_items: [], collection: 'default' });
    expect(res.body.updated_at).toBe(res.body.created_at);
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);

    const done = await waitForStatus(t.app.url, 'task-alpha', 'done');
    expect(done.progress).toEqual({ items_total: 9, items_done: 9, items_upserted: 4, items_failed: 5 });
    expect(done.failed_items).toEqual([
      { object_id: 'alpha-no-payload', reason: expect.stringMatching(/^payload: is missing/) },
      { object_id: 'alpha-no-text', reason: 'payload.text: is missing' },
      { object_id: 'alpha-blank', reason: 'payload.text: is empty' },
      { object_id: 'alpha-symbols', reason: expect.stringMatching(/no letters or digits/) },
      { object_id: 'alpha-huge', reason: expect.stringMatching(/^payload: serialises to \d+ bytes; a vector's metadata holds at most 65536/) },
    ]);
    expect(Date.parse(done.updated_at)).toBeGreaterThan(Date.parse(done.created_at));

    // Searchable in default (each by its own text), not in categories.
    for (const item of [...good, { object_id: 'alpha-info', payload: { text: itemText('alpha', 99) } }]) {
      expect((await search('default', item.payload.text as string))[0]).toBe(item.object_id);
      expect(await search('categories', item.payload.text as string)).not.toContain(item.object_id);
    }
    // The upserts in the collection's log carry the payload as metadata (item_info stays with the task).
    const records = (await readTopic(t.broker.address, 'intake.collection.default')).filter((r) => r.key.startsWith('alpha-'));
    expect(records.map((r) => r.key).sort()).toEqual(['alpha-0', 'alpha-1', 'alpha-2', 'alpha-info']);
    expect(records.find((r) => r.key === 'alpha-1')?.metadata).toEqual(good[1].payload);
    expect(records.find((r) => r.key === 'alpha-info')?.metadata).toEqual({ text: itemText('alpha', 99) });
  });

  it('categories/run fills the categories collection, not default', async () => {
    const items = textItems('cat', 4);
    const res = await api('POST', `${TASKS}/categories/run`, { task_id: 'task-cat', items });
    expect(res.status).toBe(201);
    expect(res.body.collection).toBe('categories');
    await waitForStatus(t.app.url, 'task-cat', 'done');
    for (const item of items) {
      expect((await search('categories', item.payload.text))[0]).toBe(item.object_id);
      expect(await search('default', item.payload.text)).not.toContain(item.object_id);
    }
  });

  it('makes a task_id when none is given', async () => {
    const res = await api('POST', `${TASKS}/run`, { items: textItems('anon', 1) });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    await waitForStatus(t.app.url, res.body.id, 'done');
  });

  it('is idempotent by task_id: the same request again is one task and one set of upserts; other items are a 409', async () => {
    const items = textItems('idem', 30);
    const first = await api('POST', `${TASKS}/run`, { task_id: 'task-idem', items });
    const again = await api('POST', `${TASKS}/run`, { task_id: 'task-idem', items: items.map((i) => ({ payload: { n: i.payload.n, text: i.payload.text }, object_id: i.object_id })) });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe('task-idem');
    expect(again.body.created_at).toBe(first.body.created_at);
    await waitForStatus(t.app.url, 'task-idem', 'done');
    const afterDone = await api('POST', `${TASKS}/run`, { task_id: 'task-idem', items });
    expect(afterDone.status).toBe(200);
    expect(afterDone.body.status).toBe('done');
    await caughtUp();
    const listed = (await api('GET', `${TASKS}/list?limit=1000`)).body.filter((x: TaskBody) => x.id === 'task-idem');
    expect(listed).toHaveLength(1);
    const upserts = (await readTopic(t.broker.address, 'intake.collection.default')).filter((r) => r.key.startsWith('idem-'));
    expect(upserts).toHaveLength(30);
    expect(new Set(upserts.map((r) => r.key)).size).toBe(30);

    const other = await api('POST', `${TASKS}/run`, { task_id: 'task-idem', items: textItems('idem', 31) });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'INTAKE_CONFLICT', field: 'task_id' });
    const otherCollection = await api('POST', `${TASKS}/categories/run`, { task_id: 'task-idem', items });
    expect(otherCollection.status).toBe(409);
  });

  it('refuses bad run requests with a 400 naming the field, before anything is written', async () => {
    const bad = async (body: unknown, field: string) => {
      const res = await api('POST', `${TASKS}/run`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
      return res.body.error;
    };
    const dup = await bad({ task_id: 'task-dup', items: [{ object_id: 'a' }, { object_id: 'b' }, { object_id: 'a' }] }, 'items[2].object_id');
    expect(dup.rule).toMatch(/'a' appears twice/);
    await bad({ task_id: 'task-none' }, 'items');
    await bad({ task_id: 'task-empty', items: [] }, 'items');
    await bad({ task_id: 'task-many', items: Array.from({ length: 10_001 }, (_, i) => ({ object_id: `m${i}` })) }, 'items');
    await bad({ task_id: 'bad\u0001id', items: [{ object_id: 'a' }] }, 'task_id');
    await bad({ items: [{ object_id: '' }] }, 'items[0].object_id');
    await bad({ items: [{ object_id: 'a', payload: 'text' }] }, 'items[0].payload');
    await bad({ items: [{ object_id: 'a', other: 1 }] }, 'items[0]');
    for (const id of ['task-dup', 'task-none', 'task-empty', 'task-many']) expect((await api('GET', `${TASKS}/info?task_id=${id}`)).status).toBe(404);
  });

  it('lists newest first with offset, limit and status; bad values are a 400 naming the parameter', async () => {
    const all: TaskBody[] = (await api('GET', `${TASKS}/list`)).body;
    expect(all.length).toBeGreaterThanOrEqual(4);
    const created = all.map((x) => Date.parse(x.created_at));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    expect((await api('GET', `${TASKS}/list?offset=1&limit=2`)).body.map((x: TaskBody) => x.id)).toEqual(all.slice(1, 3).map((x) => x.id));
    const done: TaskBody[] = (await api('GET', `${TASKS}/list?status=done`)).body;
    expect(done.length).toBeGreaterThan(0);
    expect(done.every((x) => x.status === 'done')).toBe(true);
    expect((await api('GET', `${TASKS}/list?status=canceled`)).body.every((x: TaskBody) => x.status === 'canceled')).toBe(true);
    for (const [query, field] of [
      ['offset=-1', 'offset'],
      ['offset=abc', 'offset'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=1.5', 'limit'],
      ['status=finished', 'status'],
    ]) {
      const res = await api('GET', `${TASKS}/list?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
  });

  it('answers 404 for an unknown task and 400 without a task_id', async () => {
    for (const [method, route] of [['GET', 'info'], ['PUT', 'restart'], ['PUT', 'cancel']]) {
      const res = await api(method, `${TASKS}/${route}?task_id=no-such-task`);
      expect(res.status).toBe(404);
      expect(res.body.error).toMatchObject({ code: 'INTAKE_NOT_FOUND', kind: 'task', id: 'no-such-task' });
      const missing = await api(method, `${TASKS}/${route}`);
      expect(missing.status).toBe(400);
      expect(missing.body.error.field).toBe('task_id');
    }
  });

  it('cancels a 5,000-item task in its middle (upserted items stay), cancels a pending task, and restarts both to done', async () => {
    const N = 5_000;
    const items = textItems('big', N);
    expect((await api('POST', `${TASKS}/run`, { task_id: 'task-big', items })).status).toBe(201);
    // A task behind it in the same partition of intake.tasks stays pending while the big one runs.
    const partition = partitionForKey('intake.tasks', 'task-big', partitions);
    let queuedId = '';
    for (let i = 0; queuedId === ''; i++) if (partitionForKey('intake.tasks', `task-queued-${i}`, partitions) === partition) queuedId = `task-queued-${i}`;
    expect((await api('POST', `${TASKS}/run`, { task_id: queuedId, items: textItems('queued', 5) })).status).toBe(201);

    await eventually(async () => (await taskInfo(t.app.url, 'task-big')).progress.items_done >= 10 * BATCH_ITEMS, 120_000, 'some batches done');
    const canceled = await api('PUT', `${TASKS}/cancel?task_id=task-big`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(Date.parse(canceled.body.updated_at)).toBeGreaterThan(Date.parse(canceled.body.created_at));
    expect((await taskInfo(t.app.url, queuedId)).status).toBe('pending');
    const queuedCanceled = await api('PUT', `${TASKS}/cancel?task_id=${queuedId}`);
    expect(queuedCanceled.body.status).toBe('canceled');
    expect((await api('PUT', `${TASKS}/cancel?task_id=task-big`)).status).toBe(409);

    await caughtUp(); // the worker saw the cancel and moved on (the queued command was skipped)
    const stopped = await taskInfo(t.app.url, 'task-big');
    expect(stopped.status).toBe('canceled');
    const doneAtCancel = stopped.progress.items_done;
    expect(doneAtCancel).toBeGreaterThan(0);
    expect(doneAtCancel).toBeLessThan(N);
    expect(stopped.progress.items_upserted).toBe(doneAtCancel);
    // What was upserted stays searchable; what was not, is not there.
    expect((await search('default', itemText('big', 0)))[0]).toBe('big-0');
    expect((await search('default', itemText('big', doneAtCancel - 1)))[0]).toBe(`big-${doneAtCancel - 1}`);
    expect(await search('default', itemText('big', N - 1))).not.toContain(`big-${N - 1}`);
    expect((await taskInfo(t.app.url, queuedId)).progress.items_done).toBe(0);

    const restarted = await api('PUT', `${TASKS}/restart?task_id=task-big`);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({ status: 'pending', failed_items: [], progress: { items_done: 0, items_upserted: 0 } });
    expect((await api('PUT', `${TASKS}/restart?task_id=task-big`)).status).toBe(409); // pending (or already processing)
    expect((await api('PUT', `${TASKS}/restart?task_id=${queuedId}`)).status).toBe(200);
    const done = await waitForStatus(t.app.url, 'task-big', 'done', 240_000);
    expect(done.progress).toEqual({ items_total: N, items_done: N, items_upserted: N, items_failed: 0 });
    await waitForStatus(t.app.url, queuedId, 'done');
    expect((await search('default', itemText('big', N - 1)))[0]).toBe(`big-${N - 1}`);
    expect((await search('default', itemText('queued', 4)))[0]).toBe('queued-4');
    const restartDone = await api('PUT', `${TASKS}/restart?task_id=task-big`);
    expect(restartDone.status).toBe(409);
    expect(restartDone.body.error).toMatchObject({ code: 'INTAKE_INVALID_STATE', status: 'done' });
    expect((await api('PUT', `${TASKS}/cancel?task_id=task-big`)).status).toBe(409);
  });

  it('exports tasks by status, items processed and failed, and embedding latency to Prometheus', async () => {
    const text = await (await fetch(`${t.app.url}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('intake_upsertion_tasks{status="done"}')).toBeGreaterThanOrEqual(6);
    expect(value('intake_upsertion_tasks{status="failed"}')).toBe(0);
    expect(value('intake_upsertion_task_items_processed_total')).toBeGreaterThanOrEqual(5_000);
    expect(value('intake_upsertion_task_items_failed_total')).toBeGreaterThanOrEqual(5);
    expect(value('intake_upsertion_task_embedding_seconds_count')).toBeGreaterThan(0);
    expect(await collectionSize(t.app.url, 'default')).toBeGreaterThanOrEqual(5_000);
  });

  it('a node stopped mid-task (SIGTERM path) resumes the task at its cursor after the restart', async () => {
    const N = 3_000;
    expect((await api('POST', `${TASKS}/run`, { task_id: 'task-stop', items: textItems('stop', N) })).status).toBe(201);
    await eventually(async () => (await taskInfo(t.app.url, 'task-stop')).progress.items_done >= 4 * BATCH_ITEMS, 120_000, 'some batches done');
    await t.restartApp();
    const atRestart = await taskInfo(t.app.url, 'task-stop');
    expect(atRestart.status).toBe('processing');
    expect(atRestart.progress.items_done).toBeLessThan(N);
    const done = await waitForStatus(t.app.url, 'task-stop', 'done');
    expect(done.progress).toEqual({ items_total: N, items_done: N, items_upserted: N, items_failed: 0 });
    for (const i of [0, atRestart.progress.items_done, N - 1]) expect((await search('default', itemText('stop', i)))[0]).toBe(`stop-${i}`);
  });

  it('fails a task whose every item failed; it survives a restart of the node, and a restart of the task after the cause is fixed finishes it', async () => {
    // The categories collection is gone: every item fails, so the task fails.
    expect((await api('DELETE', '/vectordb/collections/categories')).status).toBe(204);
    const items = textItems('retry', 6);
    expect((await api('POST', `${TASKS}/categories/run`, { task_id: 'task-retry', items })).status).toBe(201);
    const failed = await waitForStatus(t.app.url, 'task-retry', 'failed');
    expect(failed.progress).toMatchObject({ items_total: 6, items_done: 6, items_upserted: 0, items_failed: 6 });
    expect(failed.failed_items.map((f) => f.object_id)).toEqual(items.map((i) => i.object_id));
    expect(failed.failed_items[0].reason).toMatch(/^collection: does not exist/);
    expect((await api('PUT', `${TASKS}/cancel?task_id=task-retry`)).status).toBe(409);

    // The node creates its task collections at start when they are missing; the failed task is kept.
    await t.restartApp();
    expect((await api('GET', '/vectordb/collections/categories')).status).toBe(200);
    expect((await taskInfo(t.app.url, 'task-retry')).status).toBe('failed');
    const restarted = await api('PUT', `${TASKS}/restart?task_id=task-retry`);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({ status: 'pending', failed_items: [] });
    const done = await waitForStatus(t.app.url, 'task-retry', 'done');
    expect(done.progress).toEqual({ items_total: 6, items_done: 6, items_upserted: 6, items_failed: 0 });
    expect(Date.parse(done.updated_at)).toBeGreaterThan(Date.parse(failed.updated_at));
    for (const item of items) expect((await search('categories', item.payload.text))[0]).toBe(item.object_id);
  });

  it('takes its item and body limits from the configuration: 400 naming items, 413 on the body', async () => {
    const small = await startApp(t.infra, tempDir('tasks-small'), { INTAKE_TASK_ITEMS_MAX: '3', INTAKE_TASK_REQUEST_BYTES_MAX: '4096', INTAKE_NODE_ID: 'small' });
    try {
      const four = await http(small.url, 'POST', `${TASKS}/run`, { task_id: 'task-four', items: textItems('four', 4) });
      expect(four.status).toBe(400);
      expect(four.body.error).toMatchObject({ field: 'items', rule: 'must hold at most 3 items, got 4' });
      const big = await http(small.url, 'POST', `${TASKS}/categories/run`, { task_id: 'task-big-body', items: [{ object_id: 'a', payload: { text: 'x'.repeat(5_000) } }] });
      expect(big.status).toBe(413);
      expect(big.body.error.code).toBe('INTAKE_PAYLOAD_TOO_LARGE');
      expect((await http(small.url, 'POST', `${TASKS}/run`, { task_id: 'task-three', items: textItems('three', 3) })).status).toBe(201);
    } finally {
      await small.close();
    }
    for (const id of ['task-four', 'task-big-body']) expect((await api('GET', `${TASKS}/info?task_id=${id}`)).status).toBe(404);
    await waitForStatus(t.app.url, 'task-three', 'done');
  });

  it('files a command a direct producer got wrong in ingest_errors, and the worker goes on', async () => {
    await log.append('intake.tasks', [
      { key: 'garbage', value: Buffer.from('not json'), partition: 0 },
      { key: 'no-attempt', value: Buffer.from(JSON.stringify({ task_id: 'x' })), partition: 0 },
    ]);
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM ingest_errors WHERE source = 'task'`))[0].n === 2, 60_000, 'two task errors filed');
    const rows = await t.db.query(`SELECT reason, message FROM ingest_errors WHERE source = 'task' ORDER BY "offset"`);
    expect(rows.map((r: { reason: string }) => r.reason).sort()).toEqual(['INVALID_RECORD', 'MALFORMED_JSON']);
    const res = await api('POST', `${TASKS}/run`, { task_id: 'task-after-errors', items: textItems('after', 2) });
    expect(res.status).toBe(201);
    await waitForStatus(t.app.url, 'task-after-errors', 'done');
  });

  it('lists the items an unreachable embedder failed after its retries; a restart once it is back finishes the task', async () => {
    // A real OpenAI-compatible endpoint (hashing vectors behind /v1/embeddings), down at first.
    let up = false;
    let calls = 0;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        calls++;
        res.setHeader('content-type', 'application/json');
        if (!up) {
          res.statusCode = 503;
          res.end('{"error":"warming up"}');
          return;
        }
        const { input, dimensions } = JSON.parse(body) as { input: string[]; dimensions: number };
        res.end(JSON.stringify({ data: input.map((text, index) => ({ index, embedding: Array.from(hashingEmbed(text, dimensions)) })) }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // This node alone runs the worker meanwhile: the test app leaves the group.
    const dataDir = t.app.dataDir;
    await t.app.close();
    const node = await startApp(t.infra, tempDir('tasks-embedder'), { INTAKE_EMBEDDER_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, INTAKE_NODE_ID: 'remote-embedder' });
    try {
      const items = textItems('remote', 3);
      expect((await http(node.url, 'POST', `${TASKS}/run`, { task_id: 'task-remote', items })).status).toBe(201);
      const failed = await waitForStatus(node.url, 'task-remote', 'failed');
      expect(failed.failed_items.map((f) => f.object_id)).toEqual(items.map((i) => i.object_id));
      expect(failed.failed_items[0].reason).toMatch(/^embedding failed after 3 tries: embedder at http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings answered HTTP 503/);
      expect(calls).toBe(3);
      up = true;
      expect((await http(node.url, 'PUT', `${TASKS}/restart?task_id=task-remote`)).status).toBe(200);
      const done = await waitForStatus(node.url, 'task-remote', 'done');
      expect(done.progress).toEqual({ items_total: 3, items_done: 3, items_upserted: 3, items_failed: 0 });
      const hit = await http(node.url, 'POST', '/vectordb/collections/default/search/dense', { query_vector: Array.from(hashingEmbed(items[2].payload.text, 384)), top_k: 1 });
      expect(hit.body.results[0].id).toBe('remote-2');
    } finally {
      await node.close();
      server.close();
      t.app = await startApp(t.infra, dataDir, { INTAKE_TASK_BATCH_ITEMS: String(BATCH_ITEMS) });
    }
  });
});

// Upsertion tasks across processes: whole Intake nodes as child processes on one
// broker and one Postgres. (1) A node SIGKILLed while a 10,000-item task is
// processing, restarted on its data dir: the task resumes at its cursor and ends done,
// every item searchable, each once. (2) Two nodes share the task worker: a
// 10,000-item task and 20 small tasks are all done, each item processed once.
import type { ChildProcess } from 'node:child_process';
import { partitionForKey } from '../../src/log/partitioner';
import { http, withTestApp } from '../support/app';
import { spawnAppNode } from '../support/app-nodes';
import { eventually, kafkaClient } from '../support/broker';
import { TASKS, collectionSize, itemText, readTopic, taskInfo, textItems, waitForStatus, workerCaughtUp } from '../support/tasks';
import { tempDir } from '../support/temp-dir';

jest.setTimeout(600_000);

describe('upsertion tasks across nodes', () => {
  const t = withTestApp({ app: false, db: true });
  const children = new Set<ChildProcess>();

  beforeAll(() => {
    t.onTeardown(() => {
      for (const c of children) c.kill('SIGKILL');
    });
  });

  const spawnNode = (dataDir: string, nodeId: string) => spawnAppNode(t.broker.address, t.pg.url, dataDir, nodeId, children);
  const processedOn = async (url: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^intake_upsertion_task_items_processed_total (\S+)$/m.exec(text)?.[1] ?? 0);
  };
  const itemsDone = async (id: string): Promise<number> => (await t.db.query(`SELECT items_done FROM upsertion_tasks WHERE id = $1`, [id]))[0]?.items_done ?? 0;

  it('resumes a task after a SIGKILL of its node mid-processing: done, every item searchable exactly once', async () => {
    const N = 10_000;
    const dataDir = tempDir('task-node');
    let node = await spawnNode(dataDir, 'a');
    const items = textItems('kill', N);
    expect((await http(node.url, 'POST', `${TASKS}/run`, { task_id: 'task-kill', items })).status).toBe(201);
    // Kill while it is processing: some batches recorded, more to go.
    await eventually(async () => (await itemsDone('task-kill')) >= 1_000, 240_000, 'some batches done');
    await node.stop('SIGKILL');
    const doneAtKill = await itemsDone('task-kill');
    expect(doneAtKill).toBeLessThan(N);
    expect((await t.db.query(`SELECT status FROM upsertion_tasks WHERE id = 'task-kill'`))[0].status).toBe('processing');

    node = await spawnNode(dataDir, 'a');
    const done = await waitForStatus(node.url, 'task-kill', 'done', 300_000);
    expect(done.progress).toEqual({ items_total: N, items_done: N, items_upserted: N, items_failed: 0 });
    expect(done.failed_items).toEqual([]);
    // Exactly once in the index: 10,000 ids, 10,000 vectors, each found by its own text.
    expect(await collectionSize(node.url, 'default')).toBe(N);
    for (let i = 0; i < N; i += 499) {
      const res = await http(node.url, 'POST', '/vectordb/collections/default/search/dense', { query_text: itemText('kill', i), top_k: 3, ef_search: 512 });
      expect(res.body.results[0].id).toBe(`kill-${i}`);
    }
    // In the log each item is upserted once, but for the batch the kill cut between its upsert and its record.
    const records = (await readTopic(t.broker.address, 'intake.collection.default')).filter((r) => r.key.startsWith('kill-'));
    expect(new Set(records.map((r) => r.key)).size).toBe(N);
    expect(records.length - N).toBeLessThanOrEqual(256);
    console.log(`SIGKILL at ${doneAtKill}/${N} items recorded; after the restart: done, ${records.length} upserts in the log for ${N} items, ${N} vectors`);
    await node.stop();
  });

  it('two nodes share the task worker: a 10,000-item task and 20 small tasks are all done, each item processed once', async () => {
    const [a, b] = await Promise.all([spawnNode(tempDir('task-a'), 'a'), spawnNode(tempDir('task-b'), 'b')]);
    // Both nodes are members of the worker's group before the tasks arrive.
    const admin = kafkaClient(t.broker, 'tasks-cluster-admin').admin();
    await admin.connect();
    await eventually(async () => {
      const { groups } = await admin.describeGroups(['intake.materializer.intake.tasks']);
      return groups[0]?.state === 'Stable' && groups[0].members.length === 2;
    }, 120_000, 'both nodes in the task worker group');
    await admin.disconnect();
    const before = (await processedOn(a.url)) + (await processedOn(b.url));

    const small = Array.from({ length: 20 }, (_, k) => ({ id: `task-small-${k}`, items: textItems(`small${k}`, 50) }));
    const partitions = new Set([...small.map((s) => s.id), 'task-large'].map((id) => partitionForKey('intake.tasks', id, 4)));
    expect(partitions.size).toBe(4); // the tasks reach every partition, so both nodes get some
    const large = textItems('large', 10_000);
    const runs = [
      http(a.url, 'POST', `${TASKS}/run`, { task_id: 'task-large', items: large }),
      ...small.map((s, k) => http(k % 2 === 0 ? a.url : b.url, 'POST', `${TASKS}/run`, { task_id: s.id, items: s.items })),
    ];
    for (const res of await Promise.all(runs)) expect(res.status).toBe(201);

    for (const id of ['task-large', ...small.map((s) => s.id)]) {
      const done = await waitForStatus(b.url, id, 'done', 400_000);
      expect(done.progress.items_failed).toBe(0);
      expect(done.progress.items_upserted).toBe(done.progress.items_total);
    }
    await eventually(() => workerCaughtUp(t.db, t.broker.address), 60_000, 'every command stored');
    const total = 10_000 + 20 * 50;
    const [pa, pb] = [await processedOn(a.url), await processedOn(b.url)];
    expect(pa + pb - before).toBe(total);
    expect(pa).toBeGreaterThan(0);
    expect(pb).toBeGreaterThan(0);
    const records = (await readTopic(t.broker.address, 'intake.collection.default')).filter((r) => /^(large|small\d+)-/.test(r.key));
    expect(new Set(records.map((r) => r.key)).size).toBe(total);
    // Each item upserted once; a batch is appended again only if its node could not see it applied within 3 waits (a very slow node).
    expect(records.length - total).toBeLessThanOrEqual(256);
    expect(await collectionSize(a.url, 'default')).toBe(await collectionSize(b.url, 'default'));
    for (const url of [a.url, b.url]) expect((await http(url, 'POST', '/vectordb/collections/default/search/dense', { query_text: itemText('large', 9_999), top_k: 1, ef_search: 512 })).body.results[0].id).toBe('large-9999');
    expect((await taskInfo(a.url, 'task-small-19')).status).toBe('done');
    console.log(`two nodes: ${total} items in 21 tasks, node a processed ${pa}, node b ${pb} (before: ${before}); ${records.length} upserts in the log`);
    await Promise.all([a.stop(), b.stop()]);
  });
});

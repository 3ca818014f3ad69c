// Helpers for the upsertion-task tests: call the task routes, wait for a status,
// read what a collection's topic holds (the upserts tasks made, with their metadata),
// and how far the task worker has stored its offsets.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { kafkaClient, eventually } from './broker';
import { http } from './app';

export const TASKS = '/embeddings/upsertion-tasks';

export interface TaskBody {
  id: string;
  status: string;
  created_at: string;
  updated_at: string;
  failed_items: { object_id: string; reason: string }[];
  collection: string;
  progress: { items_total: number; items_done: number; items_upserted: number; items_failed: number };
}

export async function taskInfo(url: string, id: string): Promise<TaskBody> {
  const res = await http(url, 'GET', `${TASKS}/info?task_id=${encodeURIComponent(id)}`);
  if (res.status !== 200) throw new Error(`info ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function waitForStatus(url: string, id: string, status: string, timeoutMs = 120_000): Promise<TaskBody> {
  const seen: { last: TaskBody | null } = { last: null };
  await eventually(async () => (seen.last = await taskInfo(url, id)).status === status, timeoutMs, `task ${id} to be ${status}`);
  return seen.last as TaskBody;
}

/** Items whose text is unique to each (the hashing embedder then finds each by its own text). */
export function textItems(prefix: string, count: number, extra: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: count }, (_, i) => ({ object_id: `${prefix}-${i}`, payload: { text: itemText(prefix, i), n: i, ...extra(i) } }));
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'xe', 'zu', 'ba', 'de', 'fi', 'go', 'hu', 'ja'];
const word = (n: number) => {
  let s = '';
  do {
    s += SYLLABLES[n % 16];
    n = Math.floor(n / 16);
  } while (n > 0);
  return s;
};

/**
 * Mostly words of its own: texts that share most of their words embed to near-identical
 * vectors, among which HNSW leaves some points unreachable (a known property of the
 * graph on near-duplicates), and a test looking for "the item with this text" would flake.
 */
export function itemText(prefix: string, i: number): string {
  return `${prefix} ${word(i * 7919 + 13)} ${word(i * 104729 + 7)} ${word(i + 3)} item ${i}`;
}

export interface TopicRecord {
  key: string;
  metadata: unknown;
}

/** Every record of `topic` from the start, read with a fresh consumer group. */
export async function readTopic(brokerAddress: string, topic: string): Promise<TopicRecord[]> {
  const kafka = kafkaClient({ address: brokerAddress }, `tasks-test-${randomUUID().slice(0, 8)}`);
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = ends.reduce((s, o) => s + Number(o.high), 0);
  const out: TopicRecord[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: `tasks-test-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const meta = message.headers?.['intake-metadata'];
      out.push({ key: message.key?.toString() ?? '', metadata: meta === undefined ? null : JSON.parse(meta.toString()) });
    },
  });
  try {
    await eventually(() => out.length >= total, 60_000, `${total} records of ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** True once the task worker has stored, for every partition of intake.tasks, an offset at the log end: every command ran. */
export async function workerCaughtUp(db: DataSource, brokerAddress: string): Promise<boolean> {
  const admin = kafkaClient({ address: brokerAddress }, 'tasks-test-offsets').admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets('intake.tasks');
    const stored: { partition: number; next_offset: string }[] = await db.query(`SELECT partition, next_offset FROM materializer_offsets WHERE materializer = 'tasks'`);
    const byPartition = new Map(stored.map((s) => [s.partition, s.next_offset]));
    return ends.every((e) => e.high === '0' || byPartition.get(e.partition) === e.high);
  } finally {
    await admin.disconnect();
  }
}

/** The number of vectors a collection holds on the node at `url` (its Prometheus gauge). */
export async function collectionSize(url: string, collection: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`intake_collection_vectors\\{collection="${collection}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

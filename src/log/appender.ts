// Coalesces concurrent appends into one acks=-1 produce request: the idempotent
// producer allows one request in flight, so while one is being fsynced the next
// fills up. A record batch must stay under the broker's 1 MiB batch limit (Kafka's
// message.max.bytes), so each request carries at most requestBytesMax of records.

import { Producer } from 'kafkajs';

export interface AppendRecord {
  key: string;
  value: Buffer | null;
  headers?: Record<string, string>;
  /** Explicit partition (shard): callers choose it with partitionForKey. */
  partition: number;
}

export interface AppendedRecord {
  partition: number;
  offset: bigint;
}

/** Bytes of records per produce request; under 1 MiB so each partition's batch fits. */
export const APPEND_REQUEST_BYTES_MAX = 768 * 1024;
/** Appends waiting for their turn; beyond this, callers wait (back-pressure), not memory. */
export const APPEND_QUEUE_BYTES_MAX = 64 * 1024 * 1024;

interface Pending {
  topic: string;
  records: AppendRecord[];
  bytes: number;
  resolve: (r: AppendedRecord[]) => void;
  reject: (e: unknown) => void;
}

function recordBytes(r: AppendRecord): number {
  let n = 32 + Buffer.byteLength(r.key) + (r.value?.length ?? 0);
  if (r.headers) for (const [k, v] of Object.entries(r.headers)) n += k.length + Buffer.byteLength(v) + 4;
  return n;
}

export class Appender {
  private queue: Pending[] = [];
  queuedBytes = 0;
  private sending: Promise<void> | null = null;

  constructor(private readonly producer: Producer) {}

  async append(topic: string, records: AppendRecord[]): Promise<AppendedRecord[]> {
    if (records.length === 0) return [];
    // Split oversized appends into request-sized chunks; the caller gets one answer.
    const chunks: AppendRecord[][] = [];
    let chunk: AppendRecord[] = [];
    let chunkBytes = 0;
    for (const r of records) {
      const b = recordBytes(r);
      if (chunk.length > 0 && chunkBytes + b > APPEND_REQUEST_BYTES_MAX) {
        chunks.push(chunk);
        chunk = [];
        chunkBytes = 0;
      }
      chunk.push(r);
      chunkBytes += b;
    }
    chunks.push(chunk);
    const results = await Promise.all(chunks.map((c) => this.enqueue(topic, c)));
    return results.flat();
  }

  private async enqueue(topic: string, records: AppendRecord[]): Promise<AppendedRecord[]> {
    const bytes = records.reduce((n, r) => n + recordBytes(r), 0);
    while (this.queuedBytes + bytes > APPEND_QUEUE_BYTES_MAX && this.sending) await this.sending;
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, records, bytes, resolve, reject });
      this.queuedBytes += bytes;
      if (!this.sending) this.sending = this.pump();
    });
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const take: Pending[] = [];
      let bytes = 0;
      while (this.queue.length > 0 && (take.length === 0 || bytes + this.queue[0].bytes <= APPEND_REQUEST_BYTES_MAX)) {
        const p = this.queue.shift() as Pending;
        bytes += p.bytes;
        take.push(p);
      }
      this.queuedBytes -= bytes;
      await this.send(take);
    }
    this.sending = null;
  }

  private async send(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, { partition: number; key: string; value: Buffer | null; headers?: Record<string, string> }[]>();
    for (const p of batch) {
      const list = byTopic.get(p.topic) ?? [];
      for (const r of p.records) list.push({ partition: r.partition, key: r.key, value: r.value, headers: r.headers });
      byTopic.set(p.topic, list);
    }
    try {
      const metadata = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      // kafkajs keeps each partition's messages in order in one batch: offset = base + position.
      const next = new Map<string, bigint>();
      for (const m of metadata) next.set(`${m.topicName}/${m.partition}`, BigInt(m.baseOffset as string));
      // A partition kafkajs sent nothing for (one its metadata does not know, e.g. a topic
      // deleted and made again under the same name) is not acknowledged: refuse, never guess.
      const missing = batch.flatMap((p) => p.records.map((r) => `${p.topic}/${r.partition}`)).find((k) => !next.has(k));
      if (missing !== undefined) throw new Error(`the log acknowledged no offset for partition ${missing}; nothing of this append is reported as written`);
      for (const p of batch) {
        p.resolve(
          p.records.map((r) => {
            const k = `${p.topic}/${r.partition}`;
            const offset = next.get(k) as bigint;
            next.set(k, offset + 1n);
            return { partition: r.partition, offset };
          }),
        );
      }
    } catch (err) {
      for (const p of batch) p.reject(err);
    }
  }

  async drain(): Promise<void> {
    while (this.sending) await this.sending;
  }
}

// Reads every partition of one topic for one materializer, from offsets the caller
// owns. Materializers keep their applied offsets beside the state they produce
// (index checkpoints, Postgres rows), not in Kafka: the group id carries a
// per-process nonce so a restarted node never waits on its own stale member, and
// nothing is committed. The caller drops records below its applied offset, which
// makes the seek below an optimisation, not a correctness requirement.

import { randomUUID } from 'node:crypto';
import { Consumer, Kafka } from 'kafkajs';

const HEARTBEAT_WHILE_BUSY_MS = 1_000;

export interface ConsumedRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  timestampMs: number;
}

export interface TopicConsumerOptions {
  topic: string;
  /** Stable part of the group id (node + topic); a process nonce is appended. */
  groupIdPrefix: string;
  /** Next offset to read per partition; partitions absent here start at the beginning. */
  startOffsets: Map<number, bigint>;
  /** Kafka fetch long-poll; low so writes become visible fast. */
  maxWaitMs?: number;
  /** Partitions handled at once (each partition stays in order). */
  partitionsConsumedConcurrently?: number;
}

export class TopicConsumer {
  private consumer: Consumer | null = null;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TopicConsumerOptions,
    private readonly handler: (partition: number, records: ConsumedRecord[]) => Promise<void>,
    private readonly onStop: () => void,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: `${this.options.groupIdPrefix}.${randomUUID().slice(0, 8)}`,
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: this.options.maxWaitMs ?? 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale()) return;
        const records: ConsumedRecord[] = batch.messages.map((m) => ({
          partition: batch.partition,
          offset: BigInt(m.offset),
          key: m.key,
          value: m.value,
          headers: (m.headers ?? {}) as ConsumedRecord['headers'],
          timestampMs: Number(m.timestamp),
        }));
        // A handler may run long (an index build): keep the membership alive meanwhile.
        const keepAlive = setInterval(() => heartbeat().catch(() => undefined), HEARTBEAT_WHILE_BUSY_MS);
        try {
          await this.handler(batch.partition, records);
        } finally {
          clearInterval(keepAlive);
        }
        await heartbeat();
      },
    });
    for (const [partition, offset] of this.options.startOffsets) {
      consumer.seek({ topic: this.options.topic, partition, offset: offset.toString() });
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop();
    await this.consumer?.disconnect();
  }
}

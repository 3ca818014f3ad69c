// Reads one topic for one materializer, in one of two modes:
//   replica  every node reads every partition (per-node read models such as HNSW
//            indexes). The group id carries a per-process nonce so a restarted node
//            never waits for its own stale member; the member leaves its group on
//            stop, and a group left empty with no committed offsets is dropped by
//            the broker (Kafka does the same), so restarts leave nothing behind.
//   shared   one group per materializer across the cluster: partitions are split
//            between nodes and a node that dies hands its partitions over after the
//            session timeout. Offsets are committed to Kafka only as a hint of
//            where to resume; the materializer's own offset store (kept with the
//            state it produces) decides what is applied, so a record redelivered
//            after a rebalance is skipped, not applied twice.

import { randomUUID } from 'node:crypto';
import { Consumer, Kafka } from 'kafkajs';
import type { ConsumedRecord } from './envelope';

export type { ConsumedRecord } from './envelope';

const HEARTBEAT_WHILE_BUSY_MS = 1_000;
/** How long a dead node's partitions wait before another node takes them (shared mode). */
export const CONSUMER_SESSION_TIMEOUT_MS = 10_000;

export type ConsumerMode = 'replica' | 'shared';

export interface TopicConsumerOptions {
  topic: string;
  mode: ConsumerMode;
  /** Shared mode: the group id. Replica mode: its stable part; a process nonce is appended. */
  groupId: string;
  /** Replica mode: next offset to read per partition (partitions absent here start at the beginning). */
  startOffsets?: Map<number, bigint>;
  /** Kafka fetch long-poll; low so writes become visible fast. */
  maxWaitMs?: number;
  /** Partitions handled at once (each partition stays in order). */
  partitionsConsumedConcurrently?: number;
}

/** The group id a consumer of these options joins (replica: with a fresh nonce). */
export function consumerGroupId(options: Pick<TopicConsumerOptions, 'mode' | 'groupId'>): string {
  return options.mode === 'replica' ? `${options.groupId}.${randomUUID().slice(0, 8)}` : options.groupId;
}

/**
 * A handler's failure, made retriable for kafkajs: it stops a consumer for good on a
 * TypeError, RangeError, ReferenceError or SyntaxError (and on errors marked
 * `retriable: false`), which would leave a surface silently unapplied until the
 * process restarts. Wrapped, the batch is retried and the consumer restarted; the
 * stored offsets make the retry skip whatever had been committed.
 */
export class HandlerFailure extends Error {
  readonly retriable = true;
  constructor(cause: unknown) {
    super(`materializer handler failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'IntakeHandlerFailure';
  }
}

function retriable(err: unknown): Error {
  return err instanceof HandlerFailure ? err : new HandlerFailure(err);
}

export class TopicConsumer {
  private consumer: Consumer | null = null;
  private stopped = false;
  readonly groupId: string;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: TopicConsumerOptions,
    private readonly handler: (partition: number, records: ConsumedRecord[]) => Promise<void>,
    private readonly onStop: () => void,
  ) {
    this.groupId = consumerGroupId(options);
  }

  async start(): Promise<void> {
    const shared = this.options.mode === 'shared';
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: CONSUMER_SESSION_TIMEOUT_MS,
      rebalanceTimeout: CONSUMER_SESSION_TIMEOUT_MS,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: this.options.maxWaitMs ?? 100,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.options.topic, fromBeginning: true });
    await consumer.run({
      // Shared mode commits as a resume hint only (see the top of the file).
      autoCommit: shared,
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
        } catch (err) {
          throw retriable(err);
        } finally {
          clearInterval(keepAlive);
        }
        await heartbeat();
      },
    });
    if (!shared) {
      for (const [partition, offset] of this.options.startOffsets ?? []) {
        consumer.seek({ topic: this.options.topic, partition, offset: offset.toString() });
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.onStop();
    await this.consumer?.disconnect();
  }
}

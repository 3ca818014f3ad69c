// The one door to the log: an idempotent acks=-1 producer behind a coalescing
// appender, topic admin, end offsets, and consumers. Everything Kafka-typed stays
// in this folder; domain services see AppendRecord / ConsumedRecord only.

import { Admin, Kafka, Producer, logLevel } from 'kafkajs';
import { Appender, AppendRecord, AppendedRecord } from './appender';
import { EndOffsetsLookups } from './end-offset-lookups';
import { ConsumedRecord, TopicConsumer, TopicConsumerOptions } from './topic-consumer';

export type { AppendRecord, AppendedRecord } from './appender';
export type { ConsumedRecord } from './topic-consumer';

export interface LogClientOptions {
  brokers: string[];
  clientId: string;
  /** SASL/PLAIN credential: the embedded broker's internal one (src/auth/broker-access.ts); unset = none. */
  sasl?: { username: string; password: string };
  /**
   * When the broker runs in this process (standalone mode), its log end offsets, read
   * directly: the answer ListOffsets(latest) would give, without a round trip through
   * the client and the broker's codec (strong reads ask for it on every search). Null
   * for a topic it does not hold; the protocol is asked then.
   */
  localEndOffsets?: (topic: string) => Map<number, bigint> | null;
}

export class LogClient {
  readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly appender: Appender;
  private readonly endOffsetLookups = new EndOffsetsLookups((topic) =>
    this.admin.fetchTopicOffsets(topic).then((offsets) => new Map(offsets.map((o) => [o.partition, BigInt(o.high)]))),
  );
  private readonly consumers = new Set<TopicConsumer>();

  constructor(readonly options: LogClientOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.ERROR,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2_000 },
      ...(options.sasl ? { sasl: { mechanism: 'plain' as const, username: options.sasl.username, password: options.sasl.password } } : {}),
    });
    // Idempotence makes a retried send land once; it requires one request in flight.
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
    this.appender = new Appender(this.producer);
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
  }

  /** Asks the cluster who its brokers are: a round trip that proves the log answers. */
  async ping(): Promise<string[]> {
    const cluster = await this.admin.describeCluster();
    return cluster.brokers.map((b) => `${b.host}:${b.port}`);
  }

  get queuedAppendBytes(): number {
    return this.appender.queuedBytes;
  }

  /**
   * Creates the topic if missing; an existing topic keeps its partition count.
   * `maxMessageBytes` raises the topic's max.message.bytes for records larger than the broker default.
   */
  async ensureTopic(topic: string, partitions: number, options: { maxMessageBytes?: number } = {}): Promise<void> {
    const existing = await this.admin.listTopics();
    if (existing.includes(topic)) return;
    const configEntries = [{ name: 'retention.ms', value: '-1' }];
    if (options.maxMessageBytes !== undefined) configEntries.push({ name: 'max.message.bytes', value: String(options.maxMessageBytes) });
    await this.admin.createTopics({
      // The log is the source of truth: Intake's topics are never trimmed by time or size.
      topics: [{ topic, numPartitions: partitions, replicationFactor: -1, configEntries }],
      waitForLeaders: true,
    });
  }

  /** The topic's partition count, creating it with `createWith` partitions when missing. */
  async partitionCount(topic: string, createWith: number): Promise<number> {
    await this.ensureTopic(topic, createWith);
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    return Math.max(1, topics[0]?.partitions.length ?? createWith);
  }

  async deleteTopic(topic: string): Promise<void> {
    const existing = await this.admin.listTopics();
    if (existing.includes(topic)) await this.admin.deleteTopics({ topics: [topic] });
  }

  /** Appends durably (acks=-1); resolves with each record's partition and offset, in input order. */
  append(topic: string, records: AppendRecord[]): Promise<AppendedRecord[]> {
    return this.appender.append(topic, records);
  }

  /**
   * The log end offset of every partition. Concurrent callers share one ListOffsets
   * round trip, and a caller arriving while one is in flight waits for the next,
   * so the answer is never older than the call.
   */
  endOffsets(topic: string): Promise<Map<number, bigint>> {
    const local = this.options.localEndOffsets?.(topic);
    if (local) return Promise.resolve(local);
    return this.endOffsetLookups.get(topic);
  }

  consumer(options: TopicConsumerOptions, handler: (partition: number, records: ConsumedRecord[]) => Promise<void>): TopicConsumer {
    const consumer = new TopicConsumer(this.kafka, options, handler, () => this.consumers.delete(consumer));
    this.consumers.add(consumer);
    return consumer;
  }

  /** Consumer groups on the cluster whose id starts with `prefix`. */
  async groups(prefix: string): Promise<string[]> {
    const { groups } = await this.admin.listGroups();
    return groups.map((g) => g.groupId).filter((id) => id.startsWith(prefix));
  }

  /**
   * Deletes the empty groups whose id starts with `prefix`: replica-mode groups of this
   * node's earlier processes that a crash left behind on a broker that keeps empty
   * groups. Best effort; a group that is not empty is left alone by the broker.
   */
  async deleteEmptyGroups(prefix: string): Promise<number> {
    const ids = await this.groups(prefix);
    if (ids.length === 0) return 0;
    const { groups } = await this.admin.describeGroups(ids);
    const empty = groups.filter((g) => g.state === 'Empty' || g.state === 'Dead').map((g) => g.groupId);
    if (empty.length === 0) return 0;
    await this.admin.deleteGroups(empty).catch(() => undefined);
    return empty.length;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.stop()));
    await this.appender.drain();
    await this.producer.disconnect();
    await this.admin.disconnect();
  }
}

// The one owner of broker state: topics and their partition logs, the group
// coordinator, producer ids, and the signal long-polling fetches wait on.
// Request handlers stay thin and call into this class (as franz-go's kfake does).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AclStore } from './acls';
import { BrokerOptions } from './config';
import { GroupCoordinator } from './groups/group-coordinator';
import { ErrorCode, KafkaError } from './protocol/errors';
import { InvalidRecordBatchError, splitBatches, stampLogAppendTime } from './protocol/record-batch';
import { compactedTopicRefusal } from './protocol/record-keys';
import { OffsetStore } from './storage/offset-store';
import { OffsetOutOfRangeError, PartitionLog } from './storage/partition-log';
import { TransactionCoordinator } from './transactions';
import { TopicConfig, TopicConfigOverrides, overridesFromLegacy, parseTopicConfigs, resolveTopicConfig } from './topic-config';
import { readJsonFile, writeJsonFileDurably } from './storage/json-file';

export interface TopicState {
  name: string;
  config: TopicConfig;
  /** The configs set on this topic (CreateTopics, AlterConfigs); the rest are broker defaults. */
  overrides: TopicConfigOverrides;
  partitions: PartitionLog[];
}

export interface AppendResult {
  errorCode: number;
  baseOffset: bigint;
  logStartOffset: bigint;
  errorMessage: string | null;
  /** LogAppendTime topics: the time the broker stamped on the batches; -1 otherwise. */
  logAppendTimeMs: bigint;
}

interface TopicsFile {
  // `config` (effective values) is what files written before `configs` (overrides) held.
  topics: { name: string; partitions: number; configs?: TopicConfigOverrides; config?: Partial<TopicConfig> }[];
}

/** Kafka's num.partitions ceiling for one CreateTopics / CreatePartitions here. */
const PARTITIONS_MAX = 10_000;

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;
/** Kafka's producer.id.expiration.ms: an idle producer's dedup state is dropped after a day. */
const PRODUCER_ID_IDLE_MS_MAX = 24 * 3600 * 1000;
const TOPIC_NAME_CHARS_MAX = 249;
const TRANSACTION_CHECK_INTERVAL_MS = 10_000;

export function validateTopicName(name: string): void {
  if (!name || name === '.' || name === '..' || name.length > TOPIC_NAME_CHARS_MAX || !TOPIC_NAME.test(name)) {
    throw new KafkaError(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `topic name '${name}' must be 1-${TOPIC_NAME_CHARS_MAX} chars of [a-zA-Z0-9._-], not '.' or '..'`,
    );
  }
}

export class Cluster {
  readonly topics = new Map<string, TopicState>();
  readonly groups: GroupCoordinator;
  /** ACLs (CreateAcls / DescribeAcls / DeleteAcls), persisted in meta/acls.json. */
  readonly acls: AclStore;
  readonly transactions: TransactionCoordinator;
  private readonly offsets: OffsetStore;
  private readonly metaDir: string;
  private readonly logsDir: string;
  private appendWaiters = new Set<() => void>();
  private nextProducerId: bigint;
  private retentionTimer: NodeJS.Timeout | null = null;
  private transactionTimer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Stable across restarts: clients (librdkafka) log it, and it tells two data dirs apart. */
  readonly clusterId: string;
  advertisedHost: string;
  advertisedPort: number;

  constructor(readonly options: BrokerOptions) {
    this.metaDir = path.join(options.dataDir, 'meta');
    this.logsDir = path.join(options.dataDir, 'topics');
    fs.mkdirSync(this.metaDir, { recursive: true });
    fs.mkdirSync(this.logsDir, { recursive: true });
    const saved = readJsonFile<TopicsFile>(path.join(this.metaDir, 'topics.json')) ?? { topics: [] };
    for (const t of saved.topics) {
      const overrides = t.configs ?? overridesFromLegacy(t.config ?? {}, options);
      this.openTopic(t.name, t.partitions, overrides, resolveTopicConfig(overrides, options));
    }
    const ids = readJsonFile<{ next: string }>(path.join(this.metaDir, 'producer-ids.json'));
    this.nextProducerId = ids ? BigInt(ids.next) : 1000n;
    this.clusterId = this.loadClusterId();
    this.acls = new AclStore(this.metaDir);
    this.advertisedHost = options.advertisedHost ?? options.host;
    this.advertisedPort = options.port;
    this.offsets = OffsetStore.open(path.join(options.dataDir, 'groups'));
    this.groups = new GroupCoordinator(this.offsets, {
      sessionTimeoutMsMin: options.sessionTimeoutMsMin,
      sessionTimeoutMsMax: options.sessionTimeoutMsMax,
      initialRebalanceDelayMs: options.initialRebalanceDelayMs,
      groupMaxSize: options.groupMaxSize,
    });
    this.transactions = new TransactionCoordinator(this.metaDir, this);
    this.transactions.recover().catch((err) => console.warn(`broker: aborting the transactions open at the last stop failed: ${err}`));
    this.retentionTimer = setInterval(() => this.enforceRetention(Date.now()), options.retentionCheckIntervalMs);
    this.retentionTimer.unref();
    // Kafka's transaction.abort.timed.out.transaction.cleanup.interval.ms: 10 s.
    this.transactionTimer = setInterval(() => {
      if (!this.closed) this.transactions.abortExpired(Date.now()).catch((err) => console.warn(`broker: aborting expired transactions failed: ${err}`));
    }, TRANSACTION_CHECK_INTERVAL_MS);
    this.transactionTimer.unref();
  }

  private loadClusterId(): string {
    const file = path.join(this.metaDir, 'cluster.json');
    const saved = readJsonFile<{ clusterId: string }>(file);
    if (saved) return saved.clusterId;
    const clusterId = randomBytes(16).toString('base64url').slice(0, 22);
    writeJsonFileDurably(file, { clusterId });
    return clusterId;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private logOptions(config: TopicConfig) {
    return {
      segmentBytesMax: config.segmentBytes,
      indexIntervalBytes: this.options.indexIntervalBytes,
      retentionMs: config.retentionMs,
      retentionBytes: config.retentionBytes,
      deleteByRetention: config.deleteByRetention,
      compact: config.compact,
      deleteRetentionMs: config.deleteRetentionMs,
      minCleanableDirtyRatio: config.minCleanableDirtyRatio,
    };
  }

  private openPartition(name: string, partition: number, config: TopicConfig): PartitionLog {
    return PartitionLog.open(path.join(this.logsDir, `${name}-${partition}`), this.logOptions(config));
  }

  private openTopic(name: string, partitionCount: number, overrides: TopicConfigOverrides, config: TopicConfig): TopicState {
    const partitions: PartitionLog[] = [];
    for (let p = 0; p < partitionCount; p++) partitions.push(this.openPartition(name, p, config));
    const topic = { name, config, overrides, partitions };
    this.topics.set(name, topic);
    return topic;
  }

  private saveTopics(): void {
    const file: TopicsFile = {
      topics: [...this.topics.values()].map((t) => ({ name: t.name, partitions: t.partitions.length, configs: t.overrides })),
    };
    writeJsonFileDurably(path.join(this.metaDir, 'topics.json'), file);
  }

  createTopic(name: string, numPartitions: number, configs: { name: string; value: string | null }[], validateOnly = false): TopicState | null {
    validateTopicName(name);
    if (this.topics.has(name)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `topic '${name}' already exists`);
    const partitions = numPartitions === -1 ? this.options.defaultPartitions : numPartitions;
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > PARTITIONS_MAX) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `num_partitions must be 1-${PARTITIONS_MAX} (or -1 for the default), got ${numPartitions}`);
    }
    const { overrides, config } = parseTopicConfigs(configs, this.options);
    if (validateOnly) return null;
    const topic = this.openTopic(name, partitions, overrides, config);
    this.saveTopics();
    return topic;
  }

  /**
   * AlterConfigs (not incremental, as in Kafka): the given set replaces every config set on the
   * topic; what it leaves out goes back to the broker default. Applies to existing partitions
   * at their next append or retention check, and is persisted with the topic list.
   */
  alterTopicConfigs(name: string, configs: { name: string; value: string | null }[], validateOnly: boolean): void {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
    const { overrides, config } = parseTopicConfigs(configs, this.options);
    if (validateOnly) return;
    topic.overrides = overrides;
    topic.config = config;
    for (const p of topic.partitions) p.reconfigure(this.logOptions(config));
    this.saveTopics();
  }

  /** CreatePartitions: grows a topic to `count` partitions (Kafka never shrinks one). */
  createPartitions(name: string, count: number, validateOnly: boolean): void {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
    const current = topic.partitions.length;
    if (!Number.isInteger(count) || count <= current) {
      throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `topic '${name}' has ${current} partitions; the new count ${count} must be larger`);
    }
    if (count > PARTITIONS_MAX) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `at most ${PARTITIONS_MAX} partitions per topic, asked for ${count}`);
    if (validateOnly) return;
    for (let p = current; p < count; p++) topic.partitions.push(this.openPartition(name, p, topic.config));
    this.saveTopics();
  }

  /** DeleteRecords of one partition: returns the new log start offset (durable). -1 means the high watermark. */
  deleteRecords(topicName: string, partitionIndex: number, beforeOffset: bigint): bigint {
    const log = this.partition(topicName, partitionIndex);
    if (!log) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no partition ${topicName}/${partitionIndex}`);
    try {
      return log.deleteRecordsBefore(beforeOffset === -1n ? log.logEndOffset : beforeOffset);
    } catch (err) {
      if (err instanceof OffsetOutOfRangeError) throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, err.message);
      throw err;
    }
  }

  async deleteTopic(name: string): Promise<void> {
    const topic = this.topics.get(name);
    if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${name}' does not exist`);
    this.topics.delete(name);
    this.saveTopics();
    for (const p of topic.partitions) p.destroy();
    await this.groups.deleteTopic(name);
    this.notifyAppend();
  }

  /** Topic lookup used by Produce and Metadata: creates it when auto-creation is on. */
  topicForWrite(name: string, allowAutoCreate: boolean): TopicState | undefined {
    const existing = this.topics.get(name);
    if (existing || !allowAutoCreate || !this.options.autoCreateTopics) return existing;
    try {
      return this.createTopic(name, -1, []) ?? undefined;
    } catch (err) {
      if (err instanceof KafkaError && err.code === ErrorCode.TOPIC_ALREADY_EXISTS) return this.topics.get(name);
      throw err;
    }
  }

  partition(topic: string, partition: number): PartitionLog | undefined {
    return this.topics.get(topic)?.partitions[partition];
  }

  /**
   * Validates and appends the record batches of one partition of a Produce.
   * acks=-1 resolves only after the batches are fsynced (group-committed with
   * every other producer appending to the same partition).
   */
  async append(topicName: string, partitionIndex: number, records: Buffer | null, acks: number): Promise<AppendResult> {
    const fail = (errorCode: number, errorMessage: string): AppendResult => ({
      errorCode,
      baseOffset: -1n,
      logStartOffset: -1n,
      errorMessage,
      logAppendTimeMs: -1n,
    });
    let topic: TopicState | undefined;
    try {
      topic = this.topicForWrite(topicName, true);
    } catch (err) {
      if (err instanceof KafkaError) return fail(err.code, err.message);
      throw err;
    }
    const log = topic?.partitions[partitionIndex];
    if (!log) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no partition ${topicName}/${partitionIndex}`);
    if (!records || records.length === 0) return fail(ErrorCode.CORRUPT_MESSAGE, 'produce carried no record batch');

    let batches;
    try {
      batches = splitBatches(records);
    } catch (err) {
      if (err instanceof InvalidRecordBatchError) {
        const code = err.reason === 'unsupported_magic' ? ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT : ErrorCode.CORRUPT_MESSAGE;
        return fail(code, err.message);
      }
      throw err;
    }
    const { config } = topic as TopicState;
    const nowMs = Date.now();
    for (const b of batches) {
      // As in Kafka, a topic's max.message.bytes overrides the broker's message.max.bytes (its default), either way.
      const bytesMax = config.maxMessageBytes;
      if (b.bytes.length > bytesMax) {
        return fail(ErrorCode.MESSAGE_TOO_LARGE, `record batch of ${b.bytes.length} bytes exceeds ${bytesMax}`);
      }
      if (b.header.isControl) return fail(ErrorCode.INVALID_RECORD, 'control batches are written by the transaction coordinator only');
      // A transactional batch belongs to a transaction this partition was added to (AddPartitionsToTxn).
      if (b.header.isTransactional && !log.txns.isOpen(b.header.producerId, b.header.producerEpoch)) {
        return fail(ErrorCode.INVALID_TXN_STATE, `producer ${b.header.producerId} (epoch ${b.header.producerEpoch}) has no transaction open on ${topicName}/${partitionIndex}`);
      }
      const refusal = config.compact ? compactedTopicRefusal(b.bytes, b.header) : null;
      if (refusal === 'keyless_record') {
        return fail(ErrorCode.INVALID_RECORD, `Compacted topic cannot accept message without key in topic partition ${topicName}-${partitionIndex}.`);
      }
      if (refusal === 'unreadable_codec') {
        // The cleaner must read keys; the broker has gzip only (snappy, lz4 and zstd are stored unread elsewhere).
        return fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `compacted topic ${topicName} takes uncompressed or gzip batches only (compression codec ${b.header.compression})`);
      }
      if (config.timestampType === 'CreateTime') {
        // Kafka checks every record; the batch's first and max timestamps bound what producers send.
        const limit = config.timestampDifferenceMaxMs;
        const off = (ts: bigint): boolean => Math.abs(nowMs - Number(ts)) > limit;
        if (off(b.header.baseTimestamp) || off(b.header.maxTimestamp)) {
          return fail(ErrorCode.INVALID_TIMESTAMP, `timestamp outside message.timestamp.difference.max.ms=${limit} of the broker clock`);
        }
      }
    }
    if (config.timestampType === 'LogAppendTime') for (const b of batches) stampLogAppendTime(b.bytes, BigInt(nowMs));
    // Check and append one batch at a time, so a second batch of the same producer in
    // this request is checked against the first one's sequence.
    let baseOffset: bigint | null = null;
    for (const b of batches) {
      const verdict = log.producers.check(b.header);
      if (verdict.kind === 'error') {
        if (baseOffset !== null) break; // earlier batches are in; report their offset
        const code =
          verdict.error === 'invalid_producer_epoch' ? ErrorCode.INVALID_PRODUCER_EPOCH : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
        return fail(code, `producer ${b.header.producerId}: ${verdict.error.replace(/_/g, ' ')}`);
      }
      // A retried batch the log already holds is acknowledged with its original offset, as Kafka does.
      const offset = verdict.kind === 'duplicate' ? verdict.baseOffset : log.append([b.bytes], nowMs).baseOffset;
      baseOffset ??= offset;
    }
    this.notifyAppend();
    if (acks === -1) await log.flush();
    return {
      errorCode: ErrorCode.NONE,
      baseOffset: baseOffset as bigint,
      logStartOffset: log.logStartOffset,
      errorMessage: null,
      logAppendTimeMs: config.timestampType === 'LogAppendTime' ? BigInt(nowMs) : -1n,
    };
  }

  read(topic: string, partitionIndex: number, offset: bigint, maxBytes: number): { errorCode: number; records: Buffer; log?: PartitionLog } {
    const log = this.partition(topic, partitionIndex);
    if (!log) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, records: Buffer.alloc(0) };
    try {
      return { errorCode: ErrorCode.NONE, records: log.read(offset, maxBytes), log };
    } catch (err) {
      if (err instanceof OffsetOutOfRangeError) return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: Buffer.alloc(0), log };
      throw err;
    }
  }

  /** Resolves on the next append anywhere, or after `timeoutMs`. */
  waitForAppend(timeoutMs: number): Promise<void> {
    if (timeoutMs <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.appendWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.appendWaiters.add(done);
    });
  }

  notifyAppend(): void {
    const waiters = this.appendWaiters;
    this.appendWaiters = new Set();
    for (const w of waiters) w();
  }

  allocateProducerId(): bigint {
    const id = this.nextProducerId++;
    writeJsonFileDurably(path.join(this.metaDir, 'producer-ids.json'), { next: this.nextProducerId.toString() });
    return id;
  }

  /**
   * Runs every retentionCheckIntervalMs (Kafka's log.retention.check.interval.ms): retention
   * for cleanup.policy delete, then the log cleaner for compact when it is due (PartitionLog.clean).
   */
  enforceRetention(nowMs: number): void {
    for (const topic of this.topics.values()) {
      for (const p of topic.partitions) {
        p.enforceRetention(nowMs);
        this.cleanPartition(topic.name, p, nowMs, false);
        p.txns.trimBelow(p.logStartOffset);
        p.producers.expire(nowMs, PRODUCER_ID_IDLE_MS_MAX);
      }
    }
  }

  /** The log cleaner on every compacted partition now, due or not (tests, operators); returns the records removed. */
  cleanLogs(nowMs = Date.now()): number {
    let removed = 0;
    for (const topic of this.topics.values()) for (const p of topic.partitions) removed += this.cleanPartition(topic.name, p, nowMs, true);
    return removed;
  }

  private cleanPartition(topic: string, log: PartitionLog, nowMs: number, force: boolean): number {
    try {
      return log.clean(nowMs, force);
    } catch (err) {
      // One partition's failure (e.g. a full disk) leaves its old segments in place; the others go on.
      console.warn(`broker: cleaning ${topic} (${log.dir}) failed: ${err}`);
      return 0;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    if (this.transactionTimer) clearInterval(this.transactionTimer);
    this.notifyAppend();
    this.groups.close();
    this.offsets.close();
    for (const topic of this.topics.values()) for (const p of topic.partitions) p.close();
  }
}

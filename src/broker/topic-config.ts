// Per-topic configuration under Apache Kafka's names: the whole topic config catalogue of
// Kafka 2.4, accepted by CreateTopics and AlterConfigs and listed by DescribeConfigs. The
// configs this broker honours (retention, segment size, cleanup policy and compaction,
// message size and timestamps) act; the rest (topic-config-catalogue.ts) are validated as
// Kafka validates them, stored and listed with Kafka 2.4's defaults, and have no effect, so
// tools that set them (kafka-configs, Kafka UIs, Kafka Connect) keep working. A name Kafka
// does not know is INVALID_CONFIG, as in Kafka.
//
// A topic keeps only the values set on it (its overrides, persisted in topics.json);
// the effective config is those over the broker's defaults, as in Kafka, so a broker
// default changed later reaches every topic that did not set its own value.

import { BrokerOptions } from './config';
import { ErrorCode, KafkaError } from './protocol/errors';
import { CONFIG_TYPE, LONG_MAX, parseLong, StoredConfigDef, STORED_CONFIGS } from './topic-config-catalogue';

export type TimestampType = 'CreateTime' | 'LogAppendTime';

export interface TopicConfig {
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
  /** Kafka `max.message.bytes`: the largest record batch a Produce may append to this topic. */
  maxMessageBytes: number;
  /** LogAppendTime: the broker stamps each batch with its own clock on append. */
  timestampType: TimestampType;
  /** CreateTime batches further than this from the broker's clock are refused (INVALID_TIMESTAMP). */
  timestampDifferenceMaxMs: number;
  /** cleanup.policy contains `compact`: keyed records only, and the cleaner keeps the latest per key. */
  compact: boolean;
  /** cleanup.policy contains `delete`: retention.ms / retention.bytes delete old segments. */
  deleteByRetention: boolean;
  /** Kafka `delete.retention.ms`: how long the cleaner keeps a tombstone (null value). */
  deleteRetentionMs: number;
  /** Kafka `min.cleanable.dirty.ratio`: the cleaner runs once this share of the closed log is new. */
  minCleanableDirtyRatio: number;
}

/** Names and values set on one topic, exactly as the client sent them. */
export type TopicConfigOverrides = Record<string, string>;

/** Kafka's DescribeConfigs config_source values. */
export const CONFIG_SOURCE = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

const SEGMENT_BYTES_MIN = 1024;
const MAX_MESSAGE_BYTES_MIN = 0;

interface ConfigDef {
  name: string;
  /** The broker-level config the default comes from (Kafka's synonym). */
  brokerName: string;
  type: number;
  documentation: string;
  defaultValue(options: BrokerOptions): string;
  apply(config: TopicConfig, value: string): void;
}

const DEFS: ConfigDef[] = [
  {
    name: 'cleanup.policy',
    brokerName: 'log.cleanup.policy',
    type: CONFIG_TYPE.LIST,
    documentation: 'delete (retention deletes old segments), compact (the cleaner keeps the latest record per key), or compact,delete',
    defaultValue: () => 'delete',
    apply: (c, value) => {
      const policies = value.split(',').map((v) => v.trim());
      if (policies.length === 0 || policies.some((p) => p !== 'delete' && p !== 'compact')) {
        throw new KafkaError(ErrorCode.INVALID_CONFIG, `cleanup.policy=${value} must be delete, compact or compact,delete`);
      }
      c.compact = policies.includes('compact');
      c.deleteByRetention = policies.includes('delete');
    },
  },
  {
    name: 'delete.retention.ms',
    brokerName: 'log.cleaner.delete.retention.ms',
    type: CONFIG_TYPE.LONG,
    documentation: 'how long the cleaner of a compacted topic keeps a tombstone (a record with a null value)',
    defaultValue: () => '86400000',
    apply: (c, value) => void (c.deleteRetentionMs = parseLong('delete.retention.ms', value, 0)),
  },
  {
    name: 'min.cleanable.dirty.ratio',
    brokerName: 'log.cleaner.min.cleanable.ratio',
    type: CONFIG_TYPE.DOUBLE,
    documentation: 'the cleaner compacts a partition once this share of its closed segments was written since the last cleaning',
    defaultValue: () => '0.5',
    apply: (c, value) => {
      const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
      if (!(n >= 0 && n <= 1)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `config min.cleanable.dirty.ratio=${value} must be a number from 0 to 1`);
      c.minCleanableDirtyRatio = n;
    },
  },
  {
    name: 'max.message.bytes',
    brokerName: 'message.max.bytes',
    type: CONFIG_TYPE.INT,
    documentation: 'the largest record batch a Produce may append to this topic',
    defaultValue: (o) => String(o.batchBytesMax),
    apply: (c, value) => void (c.maxMessageBytes = parseLong('max.message.bytes', value, MAX_MESSAGE_BYTES_MIN)),
  },
  {
    name: 'message.timestamp.difference.max.ms',
    brokerName: 'log.message.timestamp.difference.max.ms',
    type: CONFIG_TYPE.LONG,
    documentation: 'CreateTime batches whose timestamps are further than this from the broker clock are refused',
    defaultValue: () => LONG_MAX,
    apply: (c, value) => void (c.timestampDifferenceMaxMs = parseLong('message.timestamp.difference.max.ms', value, 0)),
  },
  {
    name: 'message.timestamp.type',
    brokerName: 'log.message.timestamp.type',
    type: CONFIG_TYPE.STRING,
    documentation: 'CreateTime keeps the producer timestamps; LogAppendTime stamps batches with the broker clock',
    defaultValue: () => 'CreateTime',
    apply: (c, value) => {
      if (value !== 'CreateTime' && value !== 'LogAppendTime') {
        throw new KafkaError(ErrorCode.INVALID_CONFIG, `message.timestamp.type=${value} must be CreateTime or LogAppendTime`);
      }
      c.timestampType = value;
    },
  },
  {
    // A single replica: only 1 is meaningful. Accepted so clients that always send it work.
    name: 'min.insync.replicas',
    brokerName: 'min.insync.replicas',
    type: CONFIG_TYPE.INT,
    documentation: 'always 1 on a single-node broker',
    defaultValue: () => '1',
    apply: (_c, value) => void parseLong('min.insync.replicas', value, 1),
  },
  {
    name: 'retention.bytes',
    brokerName: 'log.retention.bytes',
    type: CONFIG_TYPE.LONG,
    documentation: 'oldest segments are deleted while a partition is larger than this (-1 = unbounded)',
    defaultValue: (o) => String(o.retentionBytes),
    apply: (c, value) => void (c.retentionBytes = parseLong('retention.bytes', value, -1)),
  },
  {
    name: 'retention.ms',
    brokerName: 'log.retention.ms',
    type: CONFIG_TYPE.LONG,
    documentation: 'segments whose newest batch is older than this are deleted (-1 = forever)',
    defaultValue: (o) => String(o.retentionMs),
    apply: (c, value) => void (c.retentionMs = parseLong('retention.ms', value, -1)),
  },
  {
    name: 'segment.bytes',
    brokerName: 'log.segment.bytes',
    type: CONFIG_TYPE.INT,
    documentation: 'the active segment rolls before it would grow past this size',
    defaultValue: (o) => String(o.segmentBytesMax),
    apply: (c, value) => void (c.segmentBytes = parseLong('segment.bytes', value, SEGMENT_BYTES_MIN)),
  },
];

/** Served without effect (topic-config-catalogue.ts): validated, stored, listed. */
function storedDef(d: StoredConfigDef): ConfigDef {
  return {
    name: d.name,
    brokerName: d.brokerName,
    type: d.type,
    documentation: `${d.documentation} (stored and listed; no effect on the embedded broker)`,
    defaultValue: () => d.defaultValue,
    apply: (_c, value) => d.validate(value),
  };
}

const ALL_DEFS = [...DEFS, ...STORED_CONFIGS.map(storedDef)].sort((a, b) => a.name.localeCompare(b.name));
const DEF_BY_NAME = new Map(ALL_DEFS.map((d) => [d.name, d]));

function defaultsOf(options: BrokerOptions): TopicConfig {
  return {
    retentionMs: options.retentionMs,
    retentionBytes: options.retentionBytes,
    segmentBytes: options.segmentBytesMax,
    maxMessageBytes: options.batchBytesMax,
    timestampType: 'CreateTime',
    timestampDifferenceMaxMs: Number.MAX_SAFE_INTEGER,
    compact: false,
    deleteByRetention: true,
    deleteRetentionMs: 86_400_000,
    minCleanableDirtyRatio: 0.5,
  };
}

/** The effective config of a topic with these overrides; throws INVALID_CONFIG for anything not served. */
export function resolveTopicConfig(overrides: TopicConfigOverrides, options: BrokerOptions): TopicConfig {
  const config = defaultsOf(options);
  for (const [name, value] of Object.entries(overrides)) {
    const def = DEF_BY_NAME.get(name);
    if (!def) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
    def.apply(config, value);
  }
  return config;
}

/** CreateTopics / AlterConfigs entries → validated overrides (a null value means "use the default"). */
export function parseTopicConfigs(
  configs: { name: string; value: string | null }[],
  options: BrokerOptions,
): { overrides: TopicConfigOverrides; config: TopicConfig } {
  const overrides: TopicConfigOverrides = {};
  for (const { name, value } of configs) {
    if (value === null) {
      if (!DEF_BY_NAME.has(name)) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
      continue;
    }
    overrides[name] = value;
  }
  return { overrides, config: resolveTopicConfig(overrides, options) };
}

/**
 * Overrides from a topics.json written before overrides were kept (it held the effective
 * values): anything that differs from today's defaults was set on the topic.
 */
export function overridesFromLegacy(saved: Partial<TopicConfig>, options: BrokerOptions): TopicConfigOverrides {
  const d = defaultsOf(options);
  const out: TopicConfigOverrides = {};
  if (saved.retentionMs !== undefined && saved.retentionMs !== d.retentionMs) out['retention.ms'] = String(saved.retentionMs);
  if (saved.retentionBytes !== undefined && saved.retentionBytes !== d.retentionBytes) out['retention.bytes'] = String(saved.retentionBytes);
  if (saved.segmentBytes !== undefined && saved.segmentBytes !== d.segmentBytes) out['segment.bytes'] = String(saved.segmentBytes);
  return out;
}

/** All of `items`, or only those named, in the order the request named them (unknown names skipped). */
function pick<T>(items: T[], nameOf: (item: T) => string, names: string[] | null): T[] {
  if (names === null || names.length === 0) return items;
  const byName = new Map(items.map((i) => [nameOf(i), i]));
  return names.flatMap((n) => (byName.has(n) ? [byName.get(n) as T] : []));
}

export interface DescribedConfig {
  name: string;
  value: string;
  isDefault: boolean;
  source: number;
  synonyms: { name: string; value: string; source: number }[];
  type: number;
  documentation: string;
}

/**
 * Every config of a topic (or only `names`, unknown names skipped as Kafka does). Synonyms as
 * Kafka 2.4 lists them: the topic's own value, then the broker-level default only where the
 * broker config has the same name (compression.type, min.insync.replicas, …).
 */
export function describeTopicConfigs(overrides: TopicConfigOverrides, options: BrokerOptions, names: string[] | null): DescribedConfig[] {
  const wanted = pick(ALL_DEFS, (d) => d.name, names);
  return wanted.map((d) => {
    const set = overrides[d.name];
    const fallback = d.defaultValue(options);
    const synonyms: DescribedConfig['synonyms'] = d.brokerName === d.name ? [{ name: d.brokerName, value: fallback, source: CONFIG_SOURCE.DEFAULT_CONFIG }] : [];
    if (set !== undefined) synonyms.unshift({ name: d.name, value: set, source: CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG });
    return {
      name: d.name,
      value: set ?? fallback,
      isDefault: set === undefined,
      source: set === undefined ? CONFIG_SOURCE.DEFAULT_CONFIG : CONFIG_SOURCE.DYNAMIC_TOPIC_CONFIG,
      synonyms,
      type: d.type,
      documentation: d.documentation,
    };
  });
}

/** The broker-level defaults under Kafka's broker config names (DescribeConfigs, resource type BROKER). */
export function describeBrokerConfigs(options: BrokerOptions, names: string[] | null): DescribedConfig[] {
  const all: Array<[string, string, number]> = [
    ['auto.create.topics.enable', String(options.autoCreateTopics), CONFIG_TYPE.BOOLEAN],
    ['num.partitions', String(options.defaultPartitions), CONFIG_TYPE.INT],
    ['default.replication.factor', '1', CONFIG_TYPE.INT],
    ['message.max.bytes', String(options.batchBytesMax), CONFIG_TYPE.INT],
    ['socket.request.max.bytes', String(options.requestBytesMax), CONFIG_TYPE.INT],
    ['max.connections', String(options.connectionsMax), CONFIG_TYPE.INT],
    ['fetch.max.bytes', String(options.fetchResponseBytesMax), CONFIG_TYPE.INT],
    ['log.segment.bytes', String(options.segmentBytesMax), CONFIG_TYPE.INT],
    ['log.index.interval.bytes', String(options.indexIntervalBytes), CONFIG_TYPE.INT],
    ['log.retention.ms', String(options.retentionMs), CONFIG_TYPE.LONG],
    ['log.retention.bytes', String(options.retentionBytes), CONFIG_TYPE.LONG],
    ['log.retention.check.interval.ms', String(options.retentionCheckIntervalMs), CONFIG_TYPE.LONG],
    ['log.cleanup.policy', 'delete', CONFIG_TYPE.LIST],
    ['log.message.timestamp.type', 'CreateTime', CONFIG_TYPE.STRING],
    ['group.min.session.timeout.ms', String(options.sessionTimeoutMsMin), CONFIG_TYPE.INT],
    ['group.max.session.timeout.ms', String(options.sessionTimeoutMsMax), CONFIG_TYPE.INT],
    ['group.initial.rebalance.delay.ms', String(options.initialRebalanceDelayMs), CONFIG_TYPE.INT],
    ['group.max.size', String(options.groupMaxSize), CONFIG_TYPE.INT],
  ];
  return pick(all, ([name]) => name, names).map(([name, value, type]) => ({
      name,
      value,
      isDefault: false,
      source: CONFIG_SOURCE.STATIC_BROKER_CONFIG,
      synonyms: [{ name, value, source: CONFIG_SOURCE.STATIC_BROKER_CONFIG }],
      type,
      documentation: 'static: set when the embedded broker starts',
    }));
}

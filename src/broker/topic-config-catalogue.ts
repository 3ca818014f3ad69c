// The topic configs of Apache Kafka 2.4 that the embedded broker stores and lists but does
// not act on (one node, no flush policy of its own, no down-conversion, no throttling):
// each with Kafka 2.4's default and the check Kafka's LogConfig applies, so a value Kafka
// would refuse is refused here too (INVALID_CONFIG) and one it takes is kept and shown back.
// The honoured configs are in topic-config.ts.

import { ErrorCode, KafkaError } from './protocol/errors';

/** Kafka's DescribeConfigs config_type values. */
export const CONFIG_TYPE = { BOOLEAN: 1, STRING: 2, INT: 3, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

export const LONG_MAX = '9223372036854775807';
const INT_MAX = 2 ** 31 - 1;

export interface StoredConfigDef {
  name: string;
  /** Kafka 2.4's broker-level synonym ('' when it has none). */
  brokerName: string;
  type: number;
  defaultValue: string;
  documentation: string;
  validate(value: string): void;
}

function invalid(name: string, value: string, rule: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, `config ${name}=${value} ${rule}`);
}

/** An integer config: Long.MAX_VALUE and friends arrive as 19-digit strings, beyond 2^53 meaning "unbounded". */
export function parseLong(name: string, value: string, min: number, max = Number.POSITIVE_INFINITY): number {
  const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) {
    throw invalid(name, value, max === Number.POSITIVE_INFINITY ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${max}`);
  }
  return n;
}

const long = (name: string, brokerName: string, defaultValue: string, min: number, documentation: string): StoredConfigDef => ({
  name, brokerName, type: CONFIG_TYPE.LONG, defaultValue, documentation, validate: (v) => void parseLong(name, v, min),
});
const int = (name: string, brokerName: string, defaultValue: string, min: number, documentation: string): StoredConfigDef => ({
  name, brokerName, type: CONFIG_TYPE.INT, defaultValue, documentation, validate: (v) => void parseLong(name, v, min, INT_MAX),
});
const bool = (name: string, brokerName: string, defaultValue: string, documentation: string): StoredConfigDef => ({
  name, brokerName, type: CONFIG_TYPE.BOOLEAN, defaultValue, documentation,
  validate: (v) => {
    if (!/^(true|false)$/i.test(v)) throw invalid(name, v, 'must be true or false');
  },
});
const oneOf = (name: string, brokerName: string, defaultValue: string, pattern: RegExp, rule: string, documentation: string, type: number = CONFIG_TYPE.STRING): StoredConfigDef => ({
  name, brokerName, type, defaultValue, documentation,
  validate: (v) => {
    if (!pattern.test(v)) throw invalid(name, v, rule);
  },
});

// Kafka's ThrottledReplicaListValidator: empty, `*`, or partition:broker pairs.
const THROTTLED_REPLICAS = /^(\*|\s*|\s*\d+\s*:\s*\d+\s*(,\s*\d+\s*:\s*\d+\s*)*)$/;

export const STORED_CONFIGS: StoredConfigDef[] = [
  oneOf('compression.type', 'compression.type', 'producer', /^(uncompressed|zstd|lz4|snappy|gzip|producer)$/,
    'must be one of uncompressed, zstd, lz4, snappy, gzip, producer', 'the codec the broker recompresses batches to (batches are stored as produced)'),
  long('file.delete.delay.ms', 'log.segment.delete.delay.ms', '60000', 0, 'delay before a deleted segment file is removed (removed at once)'),
  long('flush.messages', 'log.flush.interval.messages', LONG_MAX, 0, 'fsync after this many messages (acks=all answers after an fsync instead)'),
  long('flush.ms', 'log.flush.interval.ms', LONG_MAX, 0, 'fsync after this long (acks=all answers after an fsync instead)'),
  oneOf('follower.replication.throttled.replicas', '', '', THROTTLED_REPLICAS, "must be '*' or a list of partition:broker", 'replicas throttled on followers (one replica)', CONFIG_TYPE.LIST),
  int('index.interval.bytes', 'log.index.interval.bytes', '4096', 0, 'bytes between offset index entries (the broker-wide value applies)'),
  oneOf('leader.replication.throttled.replicas', '', '', THROTTLED_REPLICAS, "must be '*' or a list of partition:broker", 'replicas throttled on the leader (one replica)', CONFIG_TYPE.LIST),
  long('max.compaction.lag.ms', 'log.cleaner.max.compaction.lag.ms', LONG_MAX, 1, 'longest a record stays uncompacted'),
  bool('message.downconversion.enable', 'log.message.downconversion.enable', 'true', 'down-convert for old consumers (record batch v2 only)'),
  oneOf('message.format.version', 'log.message.format.version', '2.4-IV1', /^\d+\.\d+(\.\d+)?(-IV\d+)?$/, 'must be a Kafka version such as 2.4-IV1', 'on-disk message format (record batch v2 only)'),
  long('min.compaction.lag.ms', 'log.cleaner.min.compaction.lag.ms', '0', 0, 'shortest a record stays uncompacted (the active segment is never compacted)'),
  bool('preallocate', 'log.preallocate', 'false', 'preallocate segment files'),
  int('segment.index.bytes', 'log.index.size.max.bytes', '10485760', 0, 'offset index size (the index grows as needed)'),
  long('segment.jitter.ms', 'log.roll.jitter.ms', '0', 0, 'jitter for segment.ms'),
  long('segment.ms', 'log.roll.ms', '604800000', 1, 'roll the active segment after this long (segments roll by size only)'),
  bool('unclean.leader.election.enable', 'unclean.leader.election.enable', 'false', 'elect an out-of-sync replica as leader (one replica)'),
];

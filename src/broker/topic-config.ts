// Per-topic configuration accepted by CreateTopics. Only the knobs this broker
// honours are accepted; anything else is refused with INVALID_CONFIG rather than
// silently ignored, so nobody believes a topic is compacted when it is not.

import { BrokerOptions } from './config';
import { ErrorCode, KafkaError } from './protocol/errors';

export interface TopicConfig {
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
}

const SEGMENT_BYTES_MIN = 1024;

function parseIntConfig(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new KafkaError(ErrorCode.INVALID_CONFIG, `config ${name}=${value} must be an integer >= ${min}`);
  }
  return n;
}

export function parseTopicConfigs(configs: { name: string; value: string | null }[], options: BrokerOptions): TopicConfig {
  const config: TopicConfig = {
    retentionMs: options.retentionMs,
    retentionBytes: options.retentionBytes,
    segmentBytes: options.segmentBytesMax,
  };
  for (const { name, value } of configs) {
    if (value === null) continue;
    switch (name) {
      case 'retention.ms':
        config.retentionMs = parseIntConfig(name, value, -1);
        break;
      case 'retention.bytes':
        config.retentionBytes = parseIntConfig(name, value, -1);
        break;
      case 'segment.bytes':
        config.segmentBytes = parseIntConfig(name, value, SEGMENT_BYTES_MIN);
        break;
      case 'cleanup.policy':
        if (value !== 'delete') throw new KafkaError(ErrorCode.INVALID_CONFIG, `cleanup.policy=${value} is not supported (only delete)`);
        break;
      case 'min.insync.replicas':
      case 'message.timestamp.type':
        // Meaningless for a single replica / CreateTime-only broker; accepted for client compatibility.
        break;
      default:
        throw new KafkaError(ErrorCode.INVALID_CONFIG, `config ${name} is not supported by the embedded broker`);
    }
  }
  return config;
}

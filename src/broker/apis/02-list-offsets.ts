// ListOffsets (key 2), versions 0-3.
// v0: max_num_offsets in, a list of offsets out (old_style_offsets); this broker answers at
// most one, the same offset v1 would. v1: one offset per partition (timestamp + offset in the
// response). v2: isolation_level, throttle_time_ms. v3: same as v2.
// timestamp -1 = latest (log end offset), -2 = earliest (log start offset), otherwise the
// offset of the first record at or after the log start whose timestamp is >= the timestamp
// (exact per record, as Kafka; for snappy/lz4/zstd batches the batch's first offset).
// ACLs (SASL principals): DESCRIBE on the topic, else TOPIC_AUTHORIZATION_FAILED per partition.
import type { Cluster } from '../cluster';
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

const LATEST = -1n;
const EARLIEST = -2n;

function offsetFor(cluster: Cluster, topicName: string, p: Message): Message {
  const log = cluster.partition(topicName, p.partition_index);
  const base = { partition_index: p.partition_index, error_code: ErrorCode.NONE as number, timestamp: -1n, offset: -1n };
  if (!log) return { ...base, error_code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  const ts = p.timestamp as bigint;
  if (ts === LATEST) return { ...base, offset: log.logEndOffset };
  if (ts === EARLIEST) return { ...base, offset: log.logStartOffset };
  const found = log.offsetForTimestamp(ts);
  return found ? { ...base, offset: found.offset, timestamp: found.timestamp } : base;
}

export const listOffsets: ApiHandler = {
  apiKey: 2,
  minVersion: 0,
  maxVersion: 3,
  handle(request, ctx) {
    const { cluster, version } = ctx;
    const topics = (request.topics as Message[]).map((topic) => ({
      name: topic.name,
      partitions: (topic.partitions as Message[]).map((p) => {
        const answer = topicAuthorized(ctx, OPERATION.DESCRIBE, topic.name)
          ? offsetFor(cluster, topic.name, p)
          : { partition_index: p.partition_index, error_code: ErrorCode.TOPIC_AUTHORIZATION_FAILED, timestamp: -1n, offset: -1n };
        if (version > 0) return answer;
        const wanted = (p.max_num_offsets as number) > 0 && answer.offset >= 0n;
        return { ...answer, old_style_offsets: wanted ? [answer.offset] : [] };
      }),
    }));
    return { throttle_time_ms: 0, topics };
  },
};

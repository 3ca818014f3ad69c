// ListOffsets (key 2), versions 1-3.
// v1: one offset per partition (timestamp + offset in the response). v2: isolation_level,
// throttle_time_ms. v3: same as v2.
// timestamp -1 = latest (log end offset), -2 = earliest (log start offset), otherwise the
// first offset whose batch max timestamp is >= the timestamp (per batch, not per record).
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

const LATEST = -1n;
const EARLIEST = -2n;

export const listOffsets: ApiHandler = {
  apiKey: 2,
  minVersion: 1,
  maxVersion: 3,
  handle(request, { cluster }) {
    const topics = (request.topics as Message[]).map((topic) => ({
      name: topic.name,
      partitions: (topic.partitions as Message[]).map((p) => {
        const log = cluster.partition(topic.name, p.partition_index);
        const base = { partition_index: p.partition_index, error_code: ErrorCode.NONE as number, timestamp: -1n, offset: -1n };
        if (!log) return { ...base, error_code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
        const ts = p.timestamp as bigint;
        if (ts === LATEST) return { ...base, offset: log.logEndOffset };
        if (ts === EARLIEST) return { ...base, offset: log.logStartOffset };
        const found = log.offsetForTimestamp(ts);
        return found ? { ...base, offset: found.offset, timestamp: found.timestamp } : base;
      }),
    }));
    return { throttle_time_ms: 0, topics };
  },
};

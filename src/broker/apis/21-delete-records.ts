// DeleteRecords (key 21), versions 0-1.
// v0: per partition, delete every record before an offset (-1 = the high watermark).
// v1: same as v0 (throttling order).
// The new log start offset (low_watermark) is fsynced before the response, so it survives a
// restart; fetches below it get OFFSET_OUT_OF_RANGE and ListOffsets earliest answers it. Whole
// segments below it are removed at once; the rest of the segment it falls in goes with that
// segment, as in Kafka. An offset past the high watermark is OFFSET_OUT_OF_RANGE.
// SASL: a principal that may not administer is TOPIC_AUTHORIZATION_FAILED for every partition.
// ACLs (SASL principals): DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED per partition.
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const deleteRecords: ApiHandler = {
  apiKey: 21,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const { cluster } = ctx;
    const topics = (request.topics as Message[]).map((t) => ({
      name: t.name,
      partitions: (t.partitions as Message[]).map((p) => {
        if (!topicAuthorized(ctx, OPERATION.DELETE, t.name)) return { partition_index: p.partition_index, low_watermark: -1n, error_code: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
        try {
          const low = cluster.deleteRecords(t.name, p.partition_index, p.offset as bigint);
          return { partition_index: p.partition_index, low_watermark: low, error_code: ErrorCode.NONE };
        } catch (err) {
          if (err instanceof KafkaError) return { partition_index: p.partition_index, low_watermark: -1n, error_code: err.code };
          throw err;
        }
      }),
    }));
    return { throttle_time_ms: 0, topics };
  },
};

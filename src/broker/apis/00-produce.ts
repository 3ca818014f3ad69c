// Produce (key 0), versions 3-7 (record batch v2 only; v3 is the first to require it).
// v3: transactional_id. v4: KafkaStorageException possible. v5: log_start_offset in the response.
// v6, v7: same wire format (v7 = ZStd allowed; we store any codec as received).
// acks: 0 = no response, 1 = after the write reaches the OS, -1 = after fsync (group commit).
// Every batch's CRC-32C is checked before anything is written; a bad batch fails its
// partition with CORRUPT_MESSAGE and nothing of that partition is appended.
// A topic the connection's SASL principal may not write is TOPIC_AUTHORIZATION_FAILED for
// each of its partitions (nothing appended, no auto-create); unauthenticated connections
// (SASL optional) may write every topic. ACLs (acls.ts): WRITE on the topic.
// A compacted topic refuses keyless records (INVALID_RECORD) and batches it cannot read keys
// from (snappy/lz4/zstd: UNSUPPORTED_COMPRESSION_TYPE); see cluster.ts append().
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const produce: ApiHandler = {
  apiKey: 0,
  minVersion: 3,
  maxVersion: 7,
  async handle(request, ctx) {
    const { cluster } = ctx;
    const acks: number = request.acks;
    const validAcks = acks === 0 || acks === 1 || acks === -1;
    const responses = await Promise.all(
      (request.topic_data as Message[]).map(async (topic) => ({
        name: topic.name,
        partition_responses: await Promise.all(
          (topic.partition_data as Message[]).map(async (p) => {
            if (!topicAuthorized(ctx, OPERATION.WRITE, topic.name)) return { index: p.index, error_code: ErrorCode.TOPIC_AUTHORIZATION_FAILED, base_offset: -1n, log_append_time_ms: -1n, log_start_offset: -1n };
            if (!validAcks) return { index: p.index, error_code: ErrorCode.INVALID_REQUIRED_ACKS, base_offset: -1n, log_append_time_ms: -1n, log_start_offset: -1n };
            const r = await cluster.append(topic.name, p.index, p.records, acks);
            return {
              index: p.index,
              error_code: r.errorCode,
              base_offset: r.baseOffset,
              log_append_time_ms: r.logAppendTimeMs,
              log_start_offset: r.logStartOffset,
            };
          }),
        ),
      })),
    );
    if (acks === 0) return null;
    return { responses, throttle_time_ms: 0 };
  },
};

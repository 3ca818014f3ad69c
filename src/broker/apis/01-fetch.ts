// Fetch (key 1), versions 4-11.
// v4: last_stable_offset, aborted_transactions, isolation_level. v5: log_start_offset.
// v6: same as v5. v7: fetch sessions (KIP-227). v8-v10: same wire format.
// v11: rack_id in the request, preferred_read_replica in the response (always -1).
// Long-poll: the response is held until min_bytes are available or max_wait_ms passes.
// Deviation: fetch sessions are not kept — every response carries session_id 0, which
// tells clients to send full fetch requests (both kafkajs and librdkafka accept it).
// Without transactions last_stable_offset equals the high watermark.
// SASL principals need READ on the topic when ACLs name it (TOPIC_AUTHORIZATION_FAILED per partition).
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const fetch: ApiHandler = {
  apiKey: 1,
  minVersion: 4,
  maxVersion: 11,
  async handle(request, ctx) {
    const { cluster } = ctx;
    const maxWaitMs = Math.max(0, Math.min(request.max_wait_ms as number, 30_000));
    const deadline = Date.now() + maxWaitMs;
    const minBytes = Math.max(0, request.min_bytes as number);
    const maxBytes = Math.min(Math.max(1, request.max_bytes as number), cluster.options.fetchResponseBytesMax);
    const readable = new Map<string, boolean>();
    const mayRead = (topic: string): boolean => {
      let ok = readable.get(topic);
      if (ok === undefined) readable.set(topic, (ok = topicAuthorized(ctx, OPERATION.READ, topic)));
      return ok;
    };
    for (;;) {
      let total = 0;
      let sawError = false;
      const responses = (request.topics as Message[]).map((topic) => ({
        topic: topic.topic,
        partitions: (topic.partitions as Message[]).map((p) => {
          const budget = Math.min(p.partition_max_bytes as number, maxBytes - total);
          const log = cluster.partition(topic.topic, p.partition);
          let errorCode: number = ErrorCode.NONE;
          let records: Buffer = Buffer.alloc(0);
          if (!mayRead(topic.topic)) errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
          else if (!log) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if (budget > 0) {
            const read = cluster.read(topic.topic, p.partition, p.fetch_offset, budget);
            errorCode = read.errorCode;
            records = read.records;
          }
          if (errorCode !== ErrorCode.NONE) sawError = true;
          total += records.length;
          const hw = log ? log.logEndOffset : -1n;
          return {
            partition_index: p.partition,
            error_code: errorCode,
            high_watermark: hw,
            last_stable_offset: hw,
            log_start_offset: log ? log.logStartOffset : -1n,
            aborted_transactions: [],
            preferred_read_replica: -1,
            records,
          };
        }),
      }));
      const remainingMs = deadline - Date.now();
      if (total >= minBytes || sawError || remainingMs <= 0 || cluster.isClosed) {
        return { throttle_time_ms: 0, error_code: ErrorCode.NONE, session_id: 0, responses };
      }
      await cluster.waitForAppend(remainingMs);
    }
  },
};

// Fetch (key 1), versions 4-11.
// v4: last_stable_offset, aborted_transactions, isolation_level. v5: log_start_offset.
// v6: same as v5. v7: fetch sessions (KIP-227). v8-v10: same wire format.
// v11: rack_id in the request, preferred_read_replica in the response (always -1).
// Long-poll: the response is held until min_bytes are available or max_wait_ms passes.
// Deviation: fetch sessions are not kept — every response carries session_id 0, which
// tells clients to send full fetch requests (both kafkajs and librdkafka accept it).
// isolation_level 1 (read_committed): data stops at the last stable offset (the start of the
// earliest open transaction), and aborted_transactions lists the aborted transactions of the
// range returned, so the client drops their records; read_uncommitted sees everything.
// SASL principals need READ on the topic when ACLs name it (TOPIC_AUTHORIZATION_FAILED per partition).
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { BATCH_HEADER_BYTES, batchSizeBytes, lastOffset, readBatchHeader } from '../protocol/record-batch';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

const READ_COMMITTED = 1;

/** The whole batches of `records` that lie below `lso`, and the offset after the last one kept. */
function belowStableOffset(records: Buffer, lso: bigint): { records: Buffer; end: bigint | null } {
  let at = 0;
  let end: bigint | null = null;
  while (at + BATCH_HEADER_BYTES <= records.length) {
    const h = readBatchHeader(records, at);
    const size = batchSizeBytes(h);
    if (h.baseOffset >= lso || at + size > records.length) break;
    at += size;
    end = lastOffset(h) + 1n;
  }
  return { records: at === records.length ? records : records.subarray(0, at), end };
}

export const fetch: ApiHandler = {
  apiKey: 1,
  minVersion: 4,
  maxVersion: 11,
  async handle(request, ctx) {
    const { cluster } = ctx;
    const maxWaitMs = Math.max(0, Math.min(request.max_wait_ms as number, 30_000));
    const deadline = Date.now() + maxWaitMs;
    const minBytes = Math.max(0, request.min_bytes as number);
    const readCommitted = request.isolation_level === READ_COMMITTED;
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
          let aborted: Message[] = [];
          const lso = log ? log.txns.lastStableOffset(log.logEndOffset) : -1n;
          if (!mayRead(topic.topic)) errorCode = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
          else if (!log) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if (budget > 0) {
            const read = cluster.read(topic.topic, p.partition, p.fetch_offset, budget);
            errorCode = read.errorCode;
            records = read.records;
            if (readCommitted && log && records.length > 0) {
              const kept = belowStableOffset(records, lso);
              records = kept.records;
              if (kept.end !== null) {
                aborted = log.txns
                  .abortedBetween(p.fetch_offset as bigint, kept.end)
                  .map((a) => ({ producer_id: a.producerId, first_offset: a.firstOffset }));
              }
            }
          }
          if (errorCode !== ErrorCode.NONE) sawError = true;
          total += records.length;
          const hw = log ? log.logEndOffset : -1n;
          return {
            partition_index: p.partition,
            error_code: errorCode,
            high_watermark: hw,
            last_stable_offset: log ? lso : -1n,
            log_start_offset: log ? log.logStartOffset : -1n,
            aborted_transactions: aborted,
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

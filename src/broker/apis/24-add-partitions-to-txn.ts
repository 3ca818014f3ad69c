// AddPartitionsToTxn (key 24), versions 0-1.
// v0: partitions joining a producer's transaction. v1: same wire format. Not implemented: v2+
// (v3 flexible, v4 batched by transaction for brokers, KIP-890).
// A producer id or epoch that is not the transactional id's current one is
// INVALID_PRODUCER_ID_MAPPING / INVALID_PRODUCER_EPOCH (fenced); an unknown partition is
// UNKNOWN_TOPIC_OR_PARTITION and the others of the request OPERATION_NOT_ATTEMPTED, as Kafka.
// ACLs (SASL principals): WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { transactionAuthorized } from './authorize';
import { ApiHandler } from './handler';

export const addPartitionsToTxn: ApiHandler = {
  apiKey: 24,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const { cluster } = ctx;
    const topics = request.topics as Message[];
    const wanted = topics.flatMap((t) => (t.partitions as number[]).map((partition) => ({ topic: t.name as string, partition })));
    const codes = transactionAuthorized(ctx, request.transactional_id)
      ? cluster.transactions.addPartitions(request.transactional_id, request.producer_id, request.producer_epoch, wanted)
      : wanted.map(() => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    let i = 0;
    return {
      throttle_time_ms: 0,
      results: topics.map((t) => ({
        name: t.name,
        results: (t.partitions as number[]).map((partition_index) => ({ partition_index, error_code: codes[i++] ?? ErrorCode.UNKNOWN_SERVER_ERROR })),
      })),
    };
  },
};

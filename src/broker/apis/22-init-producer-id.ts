// InitProducerId (key 22), versions 0-1.
// v0: a producer id and epoch. v1: same wire format. Not implemented: v2+ (flexible; v3 adds
// the producer id/epoch a client resumes with, KIP-360).
// Without a transactional id: a fresh producer id for an idempotent producer, persisted before
// it is handed out, so a restart never reuses one. With one: the transaction coordinator's
// producer id for that id and a bumped epoch (transactions.ts), which fences the previous
// instance; an open transaction of the id is aborted first. A timeout outside
// 1..transaction.max.timeout.ms (15 min) is INVALID_TRANSACTION_TIMEOUT.
// ACLs (SASL principals): WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
import { ErrorCode } from '../protocol/errors';
import { transactionAuthorized } from './authorize';
import { ApiHandler } from './handler';

export const initProducerId: ApiHandler = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, ctx) {
    const { cluster } = ctx;
    const transactionalId = request.transactional_id as string | null;
    if (transactionalId !== null && transactionalId !== undefined) {
      if (!transactionAuthorized(ctx, transactionalId)) {
        return { throttle_time_ms: 0, error_code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producer_id: -1n, producer_epoch: -1 };
      }
      const r = await cluster.transactions.initProducer(transactionalId, request.transaction_timeout_ms as number);
      return { throttle_time_ms: 0, error_code: r.errorCode, producer_id: r.producerId, producer_epoch: r.epoch };
    }
    return { throttle_time_ms: 0, error_code: ErrorCode.NONE, producer_id: cluster.allocateProducerId(), producer_epoch: 0 };
  },
};

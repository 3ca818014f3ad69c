// EndTxn (key 26), versions 0-1.
// v0: commit or abort a producer's transaction. v1: same wire format. Not implemented: v2+
// (v3 flexible, v5 epoch bump on every end, KIP-890).
// Appends a COMMIT or ABORT marker to every partition of the transaction and answers once
// they are fsynced; a commit then writes the offsets TxnOffsetCommit held. No open
// transaction: INVALID_TXN_STATE; a stale producer: INVALID_PRODUCER_EPOCH /
// INVALID_PRODUCER_ID_MAPPING.
// ACLs (SASL principals): WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
import { ErrorCode } from '../protocol/errors';
import { transactionAuthorized } from './authorize';
import { ApiHandler } from './handler';

export const endTxn: ApiHandler = {
  apiKey: 26,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, ctx) {
    const { cluster } = ctx;
    if (!transactionAuthorized(ctx, request.transactional_id)) return { throttle_time_ms: 0, error_code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    const error_code = await cluster.transactions.endTxn(request.transactional_id, request.producer_id, request.producer_epoch, Boolean(request.committed));
    return { throttle_time_ms: 0, error_code };
  },
};

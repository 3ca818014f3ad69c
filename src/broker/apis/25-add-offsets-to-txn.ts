// AddOffsetsToTxn (key 25), versions 0-1.
// v0: a consumer group joins a producer's transaction (its offsets then go by TxnOffsetCommit).
// v1: same wire format. Not implemented: v2+ (v3 flexible).
// Errors as AddPartitionsToTxn: INVALID_PRODUCER_ID_MAPPING, INVALID_PRODUCER_EPOCH.
// ACLs (SASL principals): WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
import { ErrorCode } from '../protocol/errors';
import { transactionAuthorized } from './authorize';
import { ApiHandler } from './handler';

export const addOffsetsToTxn: ApiHandler = {
  apiKey: 25,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const { cluster } = ctx;
    if (!transactionAuthorized(ctx, request.transactional_id)) return { throttle_time_ms: 0, error_code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    const error_code = cluster.transactions.addOffsets(request.transactional_id, request.producer_id, request.producer_epoch, request.group_id);
    return { throttle_time_ms: 0, error_code };
  },
};

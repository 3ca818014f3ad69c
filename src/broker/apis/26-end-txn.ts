// EndTxn (key 26), versions 0-1.
// v0: commit or abort a producer's transaction. v1: same wire format. Not implemented: v2+
// (v3 flexible, v5 epoch bump on every end, KIP-890).
// Appends a COMMIT or ABORT marker to every partition of the transaction and answers once
// they are fsynced; a commit then writes the offsets TxnOffsetCommit held. No open
// transaction: INVALID_TXN_STATE; a stale producer: INVALID_PRODUCER_EPOCH /
// INVALID_PRODUCER_ID_MAPPING.
import { ApiHandler } from './handler';

export const endTxn: ApiHandler = {
  apiKey: 26,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, { cluster }) {
    const error_code = await cluster.transactions.endTxn(request.transactional_id, request.producer_id, request.producer_epoch, Boolean(request.committed));
    return { throttle_time_ms: 0, error_code };
  },
};

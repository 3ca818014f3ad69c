// InitProducerId (key 22), versions 0-1.
// v0: a fresh producer id for an idempotent producer. v1: same wire format.
// Producer ids are persisted before they are handed out, so a restart never reuses one.
// Not implemented: transactional ids (→ TRANSACTIONAL_ID_AUTHORIZATION_FAILED, non-retriable).
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const initProducerId: ApiHandler = {
  apiKey: 22,
  minVersion: 0,
  maxVersion: 1,
  handle(request, { cluster }) {
    if (request.transactional_id !== null && request.transactional_id !== undefined) {
      return { throttle_time_ms: 0, error_code: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producer_id: -1n, producer_epoch: -1 };
    }
    return { throttle_time_ms: 0, error_code: ErrorCode.NONE, producer_id: cluster.allocateProducerId(), producer_epoch: 0 };
  },
};

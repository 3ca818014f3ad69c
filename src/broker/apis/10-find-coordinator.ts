// FindCoordinator (key 10), versions 0-2.
// v0: group key only. v1: key_type (0 group, 1 transaction), error_message, throttle_time_ms.
// v2: same as v1. Not implemented: v3+ (flexible; v4 batched keys).
// This single node coordinates every group and every transactional id.
// ACLs (SASL principals): DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED) or on the
// transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED).
import { OPERATION, RESOURCE } from '../acls';
import { authorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const findCoordinator: ApiHandler = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 2,
  handle(request, ctx) {
    const { cluster } = ctx;
    const transaction = request.key_type === 1;
    if (!authorized(ctx, OPERATION.DESCRIBE, transaction ? RESOURCE.TRANSACTIONAL_ID : RESOURCE.GROUP, request.key)) {
      const error_code = transaction ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED : ErrorCode.GROUP_AUTHORIZATION_FAILED;
      return { throttle_time_ms: 0, error_code, error_message: null, node_id: -1, host: '', port: -1 };
    }
    return {
      throttle_time_ms: 0,
      error_code: ErrorCode.NONE,
      error_message: null,
      node_id: cluster.options.nodeId,
      host: cluster.advertisedHost,
      port: cluster.advertisedPort,
    };
  },
};

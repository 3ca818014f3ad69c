// FindCoordinator (key 10), versions 0-2.
// v0: group key only. v1: key_type (0 group, 1 transaction), error_message, throttle_time_ms.
// v2: same as v1. This single node coordinates every group.
// Not implemented: transaction coordinators. key_type 1 is answered with INVALID_REQUEST, which
// is what Apache Kafka answers for a coordinator type it does not serve (CoordinatorType.forId
// throws InvalidRequestException). It is not retriable: kafkajs gives up at once ("Failed to
// find group coordinator") and librdkafka fails the transactional init, instead of retrying a
// COORDINATOR_NOT_AVAILABLE for the whole retry budget (15 s in kafkajs) before failing anyway.
// ACLs (SASL principals): DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED.
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
    if (request.key_type === 1) {
      return {
        throttle_time_ms: 0,
        error_code: ErrorCode.INVALID_REQUEST,
        error_message: 'transactions are not supported by the embedded broker (no transaction coordinator)',
        node_id: -1,
        host: '',
        port: -1,
      };
    }
    if (!authorized(ctx, OPERATION.DESCRIBE, RESOURCE.GROUP, request.key)) {
      return { throttle_time_ms: 0, error_code: ErrorCode.GROUP_AUTHORIZATION_FAILED, error_message: null, node_id: -1, host: '', port: -1 };
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

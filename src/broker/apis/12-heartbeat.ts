// Heartbeat (key 12), versions 0-3.
// v0: group, generation, member. v1: throttle_time_ms. v2: same as v1.
// v3: group_instance_id (accepted; static membership is not enforced).
// REBALANCE_IN_PROGRESS is how a member learns it must rejoin.
// ACLs (SASL principals): READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { OPERATION, RESOURCE } from '../acls';
import { authorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const heartbeat: ApiHandler = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 3,
  handle(request, ctx) {
    const { cluster } = ctx;
    if (!authorized(ctx, OPERATION.READ, RESOURCE.GROUP, request.group_id)) return { throttle_time_ms: 0, error_code: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const { errorCode } = cluster.groups.heartbeat({
      groupId: request.group_id,
      generationId: request.generation_id,
      memberId: request.member_id,
      groupInstanceId: request.group_instance_id ?? null,
    });
    return { throttle_time_ms: 0, error_code: errorCode };
  },
};

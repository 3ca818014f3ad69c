// LeaveGroup (key 13), versions 0-3.
// v0: one member_id. v1: throttle_time_ms. v2: same as v1.
// v3: a batch of members with group_instance_id and per-member errors (KIP-345).
// ACLs (SASL principals): READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { OPERATION, RESOURCE } from '../acls';
import { authorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const leaveGroup: ApiHandler = {
  apiKey: 13,
  minVersion: 0,
  maxVersion: 3,
  handle(request, ctx) {
    const { cluster, version } = ctx;
    if (!authorized(ctx, OPERATION.READ, RESOURCE.GROUP, request.group_id)) return { throttle_time_ms: 0, error_code: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] };
    const members =
      version >= 3
        ? (request.members as Message[]).map((m) => ({ memberId: m.member_id, groupInstanceId: m.group_instance_id ?? null }))
        : [{ memberId: request.member_id as string, groupInstanceId: null }];
    const out = cluster.groups.leaveGroup({ groupId: request.group_id, members });
    const firstError = out.members.find((m) => m.errorCode !== 0)?.errorCode ?? 0;
    return {
      throttle_time_ms: 0,
      // Before v3 the only error a client can see is the top-level one.
      error_code: version >= 3 ? out.errorCode : out.errorCode || firstError,
      members: out.members.map((m) => ({ member_id: m.memberId, group_instance_id: m.groupInstanceId, error_code: m.errorCode })),
    };
  },
};

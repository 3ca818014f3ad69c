// SyncGroup (key 14), versions 0-3.
// v0: the leader sends every member's assignment; all members get their own back.
// v1: throttle_time_ms. v2: same as v1. v3: group_instance_id (accepted, not enforced).
// The broker never looks inside assignments: client-side assignment is relayed as bytes.
// ACLs (SASL principals): READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { OPERATION, RESOURCE } from '../acls';
import { authorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const syncGroup: ApiHandler = {
  apiKey: 14,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, ctx) {
    const { cluster } = ctx;
    if (!authorized(ctx, OPERATION.READ, RESOURCE.GROUP, request.group_id)) {
      return { throttle_time_ms: 0, error_code: ErrorCode.GROUP_AUTHORIZATION_FAILED, assignment: Buffer.alloc(0) };
    }
    const out = await cluster.groups.syncGroup({
      groupId: request.group_id,
      generationId: request.generation_id,
      memberId: request.member_id,
      groupInstanceId: request.group_instance_id ?? null,
      assignments: (request.assignments as Message[]).map((a) => ({ memberId: a.member_id, assignment: a.assignment })),
    });
    return { throttle_time_ms: 0, error_code: out.errorCode, assignment: out.assignment };
  },
};

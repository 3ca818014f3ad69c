// DeleteGroups (key 42), versions 0-1.
// v0: group ids in, one error code per group out. v1: same as v0 (throttling order).
// Only an Empty group (no members) can go: NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND for a
// group this coordinator does not know. Its committed offsets are deleted durably with it.
// SASL: a principal that may not administer is GROUP_AUTHORIZATION_FAILED for every group.
// ACLs (SASL principals): DELETE on the group, else GROUP_AUTHORIZATION_FAILED.
import { OPERATION, RESOURCE } from '../acls';
import { authorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const deleteGroups: ApiHandler = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, ctx) {
    const { cluster } = ctx;
    const results = [];
    for (const groupId of request.groups_names as string[]) {
      const error_code = authorized(ctx, OPERATION.DELETE, RESOURCE.GROUP, groupId) ? await cluster.groups.deleteGroup(groupId) : ErrorCode.GROUP_AUTHORIZATION_FAILED;
      results.push({ group_id: groupId, error_code });
    }
    return { throttle_time_ms: 0, results };
  },
};

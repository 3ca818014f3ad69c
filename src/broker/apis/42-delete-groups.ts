// DeleteGroups (key 42), versions 0-1.
// v0: group ids in, one error code per group out. v1: same as v0 (throttling order).
// Only an Empty group (no members) can go: NON_EMPTY_GROUP otherwise, GROUP_ID_NOT_FOUND for a
// group this coordinator does not know. Its committed offsets are deleted durably with it.
import { ApiHandler } from './handler';

export const deleteGroups: ApiHandler = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 1,
  async handle(request, { cluster }) {
    const results = [];
    for (const groupId of request.groups_names as string[]) {
      results.push({ group_id: groupId, error_code: await cluster.groups.deleteGroup(groupId) });
    }
    return { throttle_time_ms: 0, results };
  },
};

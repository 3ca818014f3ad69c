// ListGroups (key 16), versions 0-2.
// v0: group ids and protocol types. v1: throttle_time_ms. v2: same as v1.
// ACLs (SASL principals): DESCRIBE on the cluster lists every group; otherwise only the groups with DESCRIBE.
import { CLUSTER_NAME, OPERATION, RESOURCE } from '../acls';
import { authorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const listGroups: ApiHandler = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 2,
  handle(_request, ctx) {
    const { cluster } = ctx;
    const all = authorized(ctx, OPERATION.DESCRIBE, RESOURCE.CLUSTER, CLUSTER_NAME);
    const groups = cluster.groups
      .listGroups()
      .filter((g) => all || authorized(ctx, OPERATION.DESCRIBE, RESOURCE.GROUP, g.groupId))
      .map((g) => ({ group_id: g.groupId, protocol_type: g.protocolType }));
    return { throttle_time_ms: 0, error_code: ErrorCode.NONE, groups };
  },
};

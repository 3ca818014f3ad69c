// ListGroups (key 16), versions 0-2.
// v0: group ids and protocol types. v1: throttle_time_ms. v2: same as v1.
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const listGroups: ApiHandler = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 2,
  handle(_request, { cluster }) {
    const groups = cluster.groups.listGroups().map((g) => ({ group_id: g.groupId, protocol_type: g.protocolType }));
    return { throttle_time_ms: 0, error_code: ErrorCode.NONE, groups };
  },
};

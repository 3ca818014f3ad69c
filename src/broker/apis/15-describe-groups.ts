// DescribeGroups (key 15), versions 0-4.
// v0: state, protocol and members. v1: throttle_time_ms. v2: same as v1.
// v3: authorized_operations (always -2^31: "not requested/unknown"). v4: group_instance_id.
// ACLs (SASL principals): DESCRIBE on the group, else GROUP_AUTHORIZATION_FAILED for that group.
import { OPERATION, RESOURCE } from '../acls';
import { authorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

const AUTHORIZED_OPERATIONS_UNKNOWN = -2147483648;

export const describeGroups: ApiHandler = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 4,
  handle(request, ctx) {
    const { cluster } = ctx;
    const groups = (request.groups as string[]).map((groupId) => {
      if (!authorized(ctx, OPERATION.DESCRIBE, RESOURCE.GROUP, groupId)) {
        return { error_code: ErrorCode.GROUP_AUTHORIZATION_FAILED, group_id: groupId, group_state: '', protocol_type: '', protocol_data: '', members: [], authorized_operations: AUTHORIZED_OPERATIONS_UNKNOWN };
      }
      const g = cluster.groups.describeGroup(groupId);
      return {
        error_code: g.errorCode,
        group_id: g.groupId,
        group_state: g.state,
        protocol_type: g.protocolType,
        protocol_data: g.protocol,
        members: g.members.map((m) => ({
          member_id: m.memberId,
          group_instance_id: m.groupInstanceId,
          client_id: m.clientId,
          client_host: m.clientHost,
          member_metadata: m.metadata,
          member_assignment: m.assignment,
        })),
        authorized_operations: AUTHORIZED_OPERATIONS_UNKNOWN,
      };
    });
    return { throttle_time_ms: 0, groups };
  },
};

// DescribeGroups (key 15), versions 0-4.
// v0: state, protocol and members. v1: throttle_time_ms. v2: same as v1.
// v3: authorized_operations (always -2^31: "not requested/unknown"). v4: group_instance_id.
import { ApiHandler } from './handler';

const AUTHORIZED_OPERATIONS_UNKNOWN = -2147483648;

export const describeGroups: ApiHandler = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 4,
  handle(request, { cluster }) {
    const groups = (request.groups as string[]).map((groupId) => {
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

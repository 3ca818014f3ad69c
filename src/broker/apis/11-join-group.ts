// JoinGroup (key 11), versions 0-5.
// v0: session timeout only. v1: rebalance_timeout_ms (v0 uses the session timeout for both).
// v2: throttle_time_ms. v3: same as v2. v4: MEMBER_ID_REQUIRED handshake (KIP-394).
// v5: group_instance_id (static membership, KIP-345): a restarted instance takes over
// its identity and assignment; the old member id is fenced (FENCED_INSTANCE_ID).
// ACLs (SASL principals): READ on the group, else GROUP_AUTHORIZATION_FAILED.
import { OPERATION, RESOURCE } from '../acls';
import { authorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const joinGroup: ApiHandler = {
  apiKey: 11,
  minVersion: 0,
  maxVersion: 5,
  async handle(request, ctx) {
    const { cluster, version, clientId, clientHost } = ctx;
    const refused = !request.group_id ? ErrorCode.INVALID_GROUP_ID : !authorized(ctx, OPERATION.READ, RESOURCE.GROUP, request.group_id) ? ErrorCode.GROUP_AUTHORIZATION_FAILED : null;
    if (refused !== null) {
      return { throttle_time_ms: 0, error_code: refused, generation_id: -1, protocol_name: '', leader: '', member_id: '', members: [] };
    }
    const out = await cluster.groups.joinGroup({
      groupId: request.group_id,
      memberId: request.member_id,
      groupInstanceId: request.group_instance_id ?? null,
      sessionTimeoutMs: request.session_timeout_ms,
      rebalanceTimeoutMs: version >= 1 ? request.rebalance_timeout_ms : request.session_timeout_ms,
      protocolType: request.protocol_type,
      protocols: (request.protocols as Message[]).map((p) => ({ name: p.name, metadata: p.metadata })),
      clientId,
      clientHost: `/${clientHost}`,
      requireKnownMemberId: version >= 4,
    });
    return {
      throttle_time_ms: 0,
      error_code: out.errorCode,
      generation_id: out.generationId,
      protocol_name: out.protocolName,
      leader: out.leader,
      member_id: out.memberId,
      members: out.members.map((m) => ({ member_id: m.memberId, group_instance_id: m.groupInstanceId, metadata: m.metadata })),
    };
  },
};

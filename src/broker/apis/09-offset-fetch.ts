// OffsetFetch (key 9), versions 1-5.
// v1: offsets from the broker's durable store. v2: top-level error_code, topics null = all.
// v3: throttle_time_ms. v4: same as v3. v5: committed_leader_epoch.
// A partition without a committed offset answers offset -1, as Kafka does. Metadata is never
// null (a null committed before that rule was stored as null; it is answered as "").
// ACLs (SASL principals): DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED) and on each topic
// (else TOPIC_AUTHORIZATION_FAILED per partition asked for; left out of an all-topics answer).
import { OPERATION, RESOURCE } from '../acls';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { authorized, topicAuthorized } from './authorize';
import { ApiHandler } from './handler';

export const offsetFetch: ApiHandler = {
  apiKey: 9,
  minVersion: 1,
  maxVersion: 5,
  handle(request, ctx) {
    const { cluster } = ctx;
    const refusedPartition = (partition_index: number, error_code: number): Message => ({
      partition_index,
      committed_offset: -1n,
      committed_leader_epoch: -1,
      metadata: '',
      error_code,
    });
    if (!authorized(ctx, OPERATION.DESCRIBE, RESOURCE.GROUP, request.group_id)) {
      const named = (request.topics as Message[] | null) ?? [];
      return {
        throttle_time_ms: 0,
        topics: named.map((t) => ({ name: t.name, partitions: (t.partition_indexes as number[]).map((p) => refusedPartition(p, ErrorCode.GROUP_AUTHORIZATION_FAILED)) })),
        error_code: ErrorCode.GROUP_AUTHORIZATION_FAILED,
      };
    }
    const mayDescribe = (topic: string): boolean => topicAuthorized(ctx, OPERATION.DESCRIBE, topic);
    const wanted =
      request.topics === null
        ? null
        : (request.topics as Message[]).flatMap((t) => (t.partition_indexes as number[]).map((partition) => ({ topic: t.name as string, partition })));
    const offsets = cluster.groups.fetchOffsets(request.group_id, wanted);
    const byTopic = new Map<string, Message[]>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      const allowed = mayDescribe(o.topic);
      // All topics asked for: the ones this principal may not describe are left out (Kafka).
      if (!allowed && wanted === null) continue;
      list.push(
        allowed
          ? { partition_index: o.partition, committed_offset: o.offset, committed_leader_epoch: o.leaderEpoch, metadata: o.metadata ?? '', error_code: ErrorCode.NONE }
          : refusedPartition(o.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED),
      );
      byTopic.set(o.topic, list);
    }
    return {
      throttle_time_ms: 0,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      error_code: ErrorCode.NONE,
    };
  },
};

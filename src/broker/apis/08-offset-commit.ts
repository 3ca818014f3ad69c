// OffsetCommit (key 8), versions 2-7.
// v2: retention_time_ms (accepted, ignored: committed offsets are kept until the topic
// or group is deleted). v3: throttle_time_ms. v4: same as v3. v5: retention_time_ms removed.
// v6: committed_leader_epoch. v7: group_instance_id (accepted, not enforced).
// Offsets are fsynced before the response (group commit across concurrent commits).
// A null committed_metadata is stored (and later fetched) as "", as Apache Kafka does.
// ACLs (SASL principals): READ on the group (else GROUP_AUTHORIZATION_FAILED for every partition) and
// READ on each topic (else TOPIC_AUTHORIZATION_FAILED for its partitions, which are not committed).
import { OPERATION, RESOURCE } from '../acls';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { authorized, topicAuthorized } from './authorize';
import { ApiHandler } from './handler';

export const METADATA_CHARS_MAX = 4096; // Kafka offset.metadata.max.bytes

/** The offsets an OffsetCommit or TxnOffsetCommit request names (their partition fields are the same). */
export function offsetsOf(topics: Message[]) {
  return topics.flatMap((t) =>
    (t.partitions as Message[]).map((p) => ({
      topic: t.name as string,
      partition: p.partition_index as number,
      offset: p.committed_offset as bigint,
      leaderEpoch: (p.committed_leader_epoch as number | undefined) ?? -1,
      metadata: (p.committed_metadata as string | null) ?? '',
    })),
  );
}

export const offsetCommit: ApiHandler = {
  apiKey: 8,
  minVersion: 2,
  maxVersion: 7,
  async handle(request, ctx) {
    const { cluster } = ctx;
    const topics = request.topics as Message[];
    const groupAllowed = authorized(ctx, OPERATION.READ, RESOURCE.GROUP, request.group_id);
    const topicAllowed = new Map(topics.map((t) => [t.name as string, topicAuthorized(ctx, OPERATION.READ, t.name)]));
    const tooLarge = topics.some((t) => (t.partitions as Message[]).some((p) => (p.committed_metadata?.length ?? 0) > METADATA_CHARS_MAX));
    const committable = topics.filter((t) => topicAllowed.get(t.name));
    let errorCode: number = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    if (groupAllowed) {
      errorCode = tooLarge
        ? ErrorCode.OFFSET_METADATA_TOO_LARGE
        : await cluster.groups.commitOffsets({
            groupId: request.group_id,
            generationId: request.generation_id_or_member_epoch,
            memberId: request.member_id,
            offsets: offsetsOf(committable),
          });
    }
    return {
      throttle_time_ms: 0,
      topics: topics.map((t) => ({
        name: t.name,
        partitions: (t.partitions as Message[]).map((p) => ({
          partition_index: p.partition_index,
          error_code: groupAllowed && !topicAllowed.get(t.name) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED : errorCode,
        })),
      })),
    };
  },
};

// OffsetFetch (key 9), versions 1-5.
// v1: offsets from the broker's durable store. v2: top-level error_code, topics null = all.
// v3: throttle_time_ms. v4: same as v3. v5: committed_leader_epoch.
// A partition without a committed offset answers offset -1, as Kafka does. Metadata is never
// null (a null committed before that rule was stored as null; it is answered as "").
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const offsetFetch: ApiHandler = {
  apiKey: 9,
  minVersion: 1,
  maxVersion: 5,
  handle(request, { cluster }) {
    const wanted =
      request.topics === null
        ? null
        : (request.topics as Message[]).flatMap((t) => (t.partition_indexes as number[]).map((partition) => ({ topic: t.name as string, partition })));
    const offsets = cluster.groups.fetchOffsets(request.group_id, wanted);
    const byTopic = new Map<string, Message[]>();
    for (const o of offsets) {
      const list = byTopic.get(o.topic) ?? [];
      list.push({
        partition_index: o.partition,
        committed_offset: o.offset,
        committed_leader_epoch: o.leaderEpoch,
        metadata: o.metadata ?? '',
        error_code: ErrorCode.NONE,
      });
      byTopic.set(o.topic, list);
    }
    return {
      throttle_time_ms: 0,
      topics: [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      error_code: ErrorCode.NONE,
    };
  },
};

// CreatePartitions (key 37), versions 0-1.
// v0: topics with the new total count and optional assignments, timeout, validate_only.
// v1: same as v0 (throttling order).
// A topic only grows. Assignments, when given, must place each new partition on this node
// alone (one broker id list per new partition). New partitions start empty and are persisted
// with the topic list before the response.
// SASL: a principal that may not administer is TOPIC_AUTHORIZATION_FAILED for every topic.
// ACLs (SASL principals): ALTER on the topic, else TOPIC_AUTHORIZATION_FAILED.
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const createPartitions: ApiHandler = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const { cluster } = ctx;
    const topics = request.topics as Message[];
    const seen = new Map<string, number>();
    for (const t of topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    const results = topics.map((t) => {
      const result = (error_code: number, error_message: string | null) => ({ name: t.name, error_code, error_message });
      if ((seen.get(t.name) ?? 0) > 1) return result(ErrorCode.INVALID_REQUEST, `topic '${t.name}' appears more than once`);
      if (!topicAuthorized(ctx, OPERATION.ALTER, t.name)) return result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'this principal may not create partitions');
      try {
        const topic = cluster.topics.get(t.name);
        const assignments = t.assignments as Message[] | null;
        if (topic && assignments !== null) {
          const nodeId = cluster.options.nodeId;
          const fresh = (t.count as number) - topic.partitions.length;
          const valid =
            assignments.length === fresh &&
            assignments.every((a) => (a.broker_ids as number[]).length === 1 && a.broker_ids[0] === nodeId);
          if (!valid) {
            throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `assignments must place each of the ${fresh} new partitions on node ${nodeId} alone`);
          }
        }
        cluster.createPartitions(t.name, t.count as number, Boolean(request.validate_only));
        return result(ErrorCode.NONE, null);
      } catch (err) {
        if (err instanceof KafkaError) return result(err.code, err.message);
        throw err;
      }
    });
    return { throttle_time_ms: 0, results };
  },
};

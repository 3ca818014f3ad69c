// CreateTopics (key 19), versions 0-4.
// v0: topics with partitions, replication factor, assignments, configs. v1: validate_only,
// error_message. v2: throttle_time_ms. v3: same as v2. v4: num_partitions/replication_factor
// may be -1 (broker defaults, KIP-464).
// A single node: replication_factor must be 1 or -1; a manual assignment must name only this node.
// SASL: a principal that may not administer is TOPIC_AUTHORIZATION_FAILED for every topic.
// ACLs (SASL principals): CREATE on the cluster or the topic, else TOPIC_AUTHORIZATION_FAILED.
import { aclsAllowTopicCreation } from './authorize';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const createTopics: ApiHandler = {
  apiKey: 19,
  minVersion: 0,
  maxVersion: 4,
  handle(request, ctx) {
    const { cluster, sasl } = ctx;
    const { nodeId } = cluster.options;
    const topics = (request.topics as Message[]).map((t) => {
      const result = (error_code: number, error_message: string | null) => ({ name: t.name, error_code, error_message });
      if (!sasl.mayAdmin() || !aclsAllowTopicCreation(ctx, t.name)) return result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'this principal may not create topics');
      try {
        const rf = t.replication_factor as number;
        if (rf !== -1 && rf !== 1) {
          throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `replication factor ${rf} is impossible on a single-node broker`);
        }
        const assignments = t.assignments as Message[];
        let partitions = t.num_partitions as number;
        if (assignments.length > 0) {
          const valid = assignments.every(
            (a, i) => a.partition_index === i && (a.broker_ids as number[]).length === 1 && a.broker_ids[0] === nodeId,
          );
          if (!valid) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `assignments must place partitions 0..n-1 on node ${nodeId}`);
          partitions = assignments.length;
        }
        cluster.createTopic(t.name, partitions, t.configs as { name: string; value: string | null }[], Boolean(request.validate_only));
        return result(ErrorCode.NONE, null);
      } catch (err) {
        if (err instanceof KafkaError) return result(err.code, err.message);
        throw err;
      }
    });
    return { throttle_time_ms: 0, topics };
  },
};

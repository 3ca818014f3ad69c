// Metadata (key 3), versions 0-6.
// v0: brokers, topics, partitions. v1: rack, controller_id, is_internal, null topics = all.
// v2: cluster_id. v3: throttle_time_ms. v4: allow_auto_topic_creation. v5: offline_replicas.
// v6: same as v5. Capped at 6 on purpose: v7+ carries leader epochs, which makes
// librdkafka validate offsets with OffsetForLeaderEpoch, an API this broker does not serve.
// Deviation: one node is always leader, replica and ISR of every partition.
// SASL: every principal may describe every topic; a named topic that does not exist and that
// the principal may not produce to is TOPIC_AUTHORIZATION_FAILED and is not auto-created
// (Kafka answers so when the principal may neither describe nor create it).
// ACLs (acls.ts): a topic needs DESCRIBE (TOPIC_AUTHORIZATION_FAILED when named, left out of an
// all-topics answer); auto-creation needs CREATE on the cluster or the topic too.
import { OPERATION } from '../acls';
import { aclsAllowTopicCreation, topicAuthorized } from './authorize';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

export const metadata: ApiHandler = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 6,
  handle(request, ctx) {
    const { cluster, version, sasl } = ctx;
    const { nodeId } = cluster.options;
    const requested: string[] | null =
      request.topics === null || (version === 0 && request.topics.length === 0)
        ? null
        : request.topics.map((t: Message) => t.name);
    const allowAutoCreate = version < 4 ? true : Boolean(request.allow_auto_topic_creation);
    // All topics: the ones this principal may not describe are left out, as Kafka does.
    const names = requested ?? [...cluster.topics.keys()].sort().filter((name) => topicAuthorized(ctx, OPERATION.DESCRIBE, name));
    const topics = names.map((name) => {
      let errorCode: number = ErrorCode.NONE;
      let topic;
      const unauthorized = requested && !topicAuthorized(ctx, OPERATION.DESCRIBE, name);
      const mayCreate = (): boolean => sasl.mayProduce(name) && aclsAllowTopicCreation(ctx, name);
      if (unauthorized || (requested && !cluster.topics.has(name) && !mayCreate())) {
        return { error_code: ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, is_internal: false, partitions: [] };
      }
      try {
        topic = requested ? cluster.topicForWrite(name, allowAutoCreate) : cluster.topics.get(name);
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        errorCode = err.code;
      }
      if (!topic) {
        return { error_code: errorCode || ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, is_internal: false, partitions: [] };
      }
      return {
        error_code: ErrorCode.NONE,
        name,
        is_internal: false,
        partitions: topic.partitions.map((_, index) => ({
          error_code: ErrorCode.NONE,
          partition_index: index,
          leader_id: nodeId,
          replica_nodes: [nodeId],
          isr_nodes: [nodeId],
          offline_replicas: [],
        })),
      };
    });
    return {
      throttle_time_ms: 0,
      brokers: [{ node_id: nodeId, host: cluster.advertisedHost, port: cluster.advertisedPort, rack: null }],
      cluster_id: cluster.clusterId,
      controller_id: nodeId,
      topics,
    };
  },
};

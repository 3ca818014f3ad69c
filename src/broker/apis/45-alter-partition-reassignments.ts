// AlterPartitionReassignments (key 45), version 0 (flexible; KIP-455).
// One node holds the only replica of every partition, so the only assignment a partition can
// have is [this node]. Asking for it is a no-op success (Kafka completes a reassignment to the
// current replicas at once). As Kafka checks them, in order: a topic or partition that does not
// exist is UNKNOWN_TOPIC_OR_PARTITION; an empty list, a repeated broker or a broker other than
// this node (Kafka: "non-existent brokerIDs") is INVALID_REPLICA_ASSIGNMENT; null replicas
// (cancel) is NO_REASSIGNMENT_IN_PROGRESS, since none ever is.
// Not implemented: nothing else exists to implement with one node (no replica ever moves).
// SASL: a principal that may not administer, or lacks ALTER on the cluster (ACLs), gets
// CLUSTER_AUTHORIZATION_FAILED as the top-level error, as Kafka answers.
import { CLUSTER_NAME, OPERATION, RESOURCE } from '../acls';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { authorized } from './authorize';
import { ApiHandler } from './handler';

export const alterPartitionReassignments: ApiHandler = {
  apiKey: 45,
  minVersion: 0,
  maxVersion: 0,
  handle(request, ctx) {
    const { cluster } = ctx;
    const nodeId = cluster.options.nodeId;
    const topics = request.topics as Message[];
    if (!authorized(ctx, OPERATION.ALTER, RESOURCE.CLUSTER, CLUSTER_NAME)) {
      return { throttle_time_ms: 0, error_code: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, error_message: 'this principal may not reassign partitions', responses: [] };
    }
    const responses = topics.map((t) => ({
      name: t.name,
      partitions: (t.partitions as Message[]).map((p) => {
        const answer = (error_code: number, error_message: string | null) => ({ partition_index: p.partition_index, error_code, error_message });
        if (!cluster.partition(t.name, p.partition_index)) {
          return answer(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no partition ${t.name}/${p.partition_index}`);
        }
        const replicas = p.replicas as number[] | null;
        if (replicas === null) return answer(ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, `no reassignment of ${t.name}/${p.partition_index} is in progress`);
        if (replicas.length === 0 || new Set(replicas).size !== replicas.length) {
          return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `replicas [${replicas.join(', ')}] must be non-empty and without duplicates`);
        }
        if (replicas.some((id) => id !== nodeId)) {
          return answer(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `the proposed assignment [${replicas.join(', ')}] contains non-existent broker ids (this cluster is node ${nodeId})`);
        }
        return answer(ErrorCode.NONE, null);
      }),
    }));
    return { throttle_time_ms: 0, error_code: ErrorCode.NONE, error_message: null, responses };
  },
};

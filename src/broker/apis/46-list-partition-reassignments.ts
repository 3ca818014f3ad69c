// ListPartitionReassignments (key 46), version 0 (flexible; KIP-455).
// Lists ongoing reassignments: with one node none is ever in progress (a reassignment to the
// only replica completes at once), so the answer is always an empty topic list, whatever the
// request names (Kafka lists only partitions that are being reassigned, and skips the rest).
// Not implemented: nothing; there is never a reassignment to list.
// SASL: a principal that may not administer, or lacks DESCRIBE on the cluster (ACLs), gets
// CLUSTER_AUTHORIZATION_FAILED.
import { CLUSTER_NAME, OPERATION, RESOURCE } from '../acls';
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const listPartitionReassignments: ApiHandler = {
  apiKey: 46,
  minVersion: 0,
  maxVersion: 0,
  handle(_request, { cluster, sasl }) {
    if (!sasl.mayAdmin() || !sasl.aclsAllow(cluster.acls, OPERATION.DESCRIBE, RESOURCE.CLUSTER, CLUSTER_NAME)) {
      return { throttle_time_ms: 0, error_code: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, error_message: 'this principal may not list reassignments', topics: [] };
    }
    return { throttle_time_ms: 0, error_code: ErrorCode.NONE, error_message: null, topics: [] };
  },
};

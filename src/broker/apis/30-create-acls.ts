// CreateAcls (key 30), versions 0-1.
// v0: resource type, name, principal, host, operation, permission (pattern LITERAL).
// v1: resource pattern type (LITERAL or PREFIXED). Not implemented: v2+ (flexible, USER resources).
// Bindings are stored in the cluster state (acls.ts, meta/acls.json, fsynced before the answer)
// and enforced on SASL principals (apis/authorize.ts). A binding Kafka would refuse (ANY/UNKNOWN
// values, MATCH pattern, a cluster name other than kafka-cluster, a principal not `Type:name`)
// is INVALID_REQUEST for that entry; the valid entries of the same request are created.
// SASL: a principal that may not administer, or lacks ALTER on the cluster, is
// CLUSTER_AUTHORIZATION_FAILED for every entry.
import { AclBinding, CLUSTER_NAME, OPERATION, RESOURCE, validateBinding } from '../acls';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { authorized } from './authorize';
import { ApiHandler } from './handler';

export const createAcls: ApiHandler = {
  apiKey: 30,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const creations = request.creations as Message[];
    if (!authorized(ctx, OPERATION.ALTER, RESOURCE.CLUSTER, CLUSTER_NAME)) {
      const results = creations.map(() => ({ error_code: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, error_message: 'this principal may not create ACLs' }));
      return { throttle_time_ms: 0, results };
    }
    const valid: AclBinding[] = [];
    const results = creations.map((c) => {
      const binding: AclBinding = {
        resourceType: c.resource_type,
        resourceName: c.resource_name,
        patternType: c.resource_pattern_type,
        principal: c.principal,
        host: c.host,
        operation: c.operation,
        permission: c.permission_type,
      };
      try {
        validateBinding(binding);
      } catch (err) {
        if (err instanceof KafkaError) return { error_code: err.code, error_message: err.message };
        throw err;
      }
      valid.push(binding);
      return { error_code: ErrorCode.NONE, error_message: null };
    });
    ctx.cluster.acls.create(valid);
    return { throttle_time_ms: 0, results };
  },
};

// DeleteAcls (key 31), versions 0-1.
// v0: filters (pattern LITERAL). v1: pattern type filters. Not implemented: v2+ (flexible).
// Each filter removes every stored binding it selects (Kafka's AclBindingFilter rules) and
// answers them; the removal is fsynced (meta/acls.json) before the answer. An UNKNOWN value in
// a filter is INVALID_REQUEST for that filter.
// SASL: a principal that may not administer, or lacks ALTER on the cluster, is
// CLUSTER_AUTHORIZATION_FAILED for every filter.
import { CLUSTER_NAME, OPERATION, RESOURCE } from '../acls';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { aclFilterOf } from './29-describe-acls';
import { authorized } from './authorize';
import { ApiHandler } from './handler';

export const deleteAcls: ApiHandler = {
  apiKey: 31,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const filters = request.filters as Message[];
    const result = (error_code: number, error_message: string | null, matching_acls: Message[] = []) => ({ error_code, error_message, matching_acls });
    if (!authorized(ctx, OPERATION.ALTER, RESOURCE.CLUSTER, CLUSTER_NAME)) {
      return { throttle_time_ms: 0, filter_results: filters.map(() => result(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'this principal may not delete ACLs')) };
    }
    const filter_results = filters.map((f) => {
      try {
        const removed = ctx.cluster.acls.delete(aclFilterOf(f));
        return result(
          ErrorCode.NONE,
          null,
          removed.map((b) => ({
            error_code: ErrorCode.NONE,
            error_message: null,
            resource_type: b.resourceType,
            resource_name: b.resourceName,
            pattern_type: b.patternType,
            principal: b.principal,
            host: b.host,
            operation: b.operation,
            permission_type: b.permission,
          })),
        );
      } catch (err) {
        if (err instanceof KafkaError) return result(err.code, err.message);
        throw err;
      }
    });
    return { throttle_time_ms: 0, filter_results };
  },
};

// DescribeAcls (key 29), versions 0-1.
// v0: one filter (resource type, name, principal, host, operation, permission; pattern LITERAL).
// v1: pattern type filter (ANY, MATCH, LITERAL, PREFIXED). Not implemented: v2+ (flexible).
// Answers the stored bindings the filter selects (acls.ts: Kafka's AclBindingFilter rules),
// grouped by resource pattern. An UNKNOWN value in the filter is INVALID_REQUEST.
// SASL: a principal that may not administer, or lacks DESCRIBE on the cluster, is
// CLUSTER_AUTHORIZATION_FAILED.
import { AclBinding, AclFilter, CLUSTER_NAME, OPERATION, RESOURCE } from '../acls';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { ApiHandler } from './handler';

/** A DescribeAcls request, or one DeleteAcls filter entry, as an AclFilter. */
export function aclFilterOf(m: Message): AclFilter {
  return {
    resourceType: m.resource_type_filter,
    resourceName: m.resource_name_filter ?? null,
    patternType: m.pattern_type_filter,
    principal: m.principal_filter ?? null,
    host: m.host_filter ?? null,
    operation: m.operation,
    permission: m.permission_type,
  };
}

function groupByResource(bindings: AclBinding[]): Message[] {
  const byResource = new Map<string, Message>();
  for (const b of bindings) {
    const key = `${b.resourceType}\u0000${b.patternType}\u0000${b.resourceName}`;
    let resource = byResource.get(key);
    if (!resource) {
      resource = { resource_type: b.resourceType, resource_name: b.resourceName, pattern_type: b.patternType, acls: [] };
      byResource.set(key, resource);
    }
    resource.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permission_type: b.permission });
  }
  return [...byResource.values()];
}

export const describeAcls: ApiHandler = {
  apiKey: 29,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const fail = (error_code: number, error_message: string) => ({ throttle_time_ms: 0, error_code, error_message, resources: [] });
    if (!ctx.sasl.mayAdmin() || !ctx.sasl.aclsAllow(ctx.cluster.acls, OPERATION.DESCRIBE, RESOURCE.CLUSTER, CLUSTER_NAME)) {
      return fail(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'this principal may not describe ACLs');
    }
    try {
      const bindings = ctx.cluster.acls.describe(aclFilterOf(request));
      return { throttle_time_ms: 0, error_code: ErrorCode.NONE, error_message: null, resources: groupByResource(bindings) };
    } catch (err) {
      if (err instanceof KafkaError) return fail(err.code, err.message);
      throw err;
    }
  },
};

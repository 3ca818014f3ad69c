// ACLs (CreateAcls / DescribeAcls / DeleteAcls) kept in the broker's cluster state, and the
// authorization decision they feed. The semantics are Apache Kafka's AclAuthorizer ones
// (allow.everyone.if.no.acl.found=true, as the kafkajs test brokers run):
// - A binding is (resource type, resource name, pattern type) + (principal, host, operation,
//   permission). LITERAL names match exactly, the literal name `*` matches every resource of
//   its type, PREFIXED names match every resource starting with them.
// - A resource no ACL matches (for any principal) is open to everyone. Once one does, a
//   principal needs a matching ALLOW and no matching DENY (DENY wins). A binding matches a
//   principal when it names it or `User:*`, and a host when it names the client's address or `*`.
// - ALL matches every operation; READ, WRITE, DELETE or ALTER imply DESCRIBE; ALTER_CONFIGS
//   implies DESCRIBE_CONFIGS.
// - Super users (the embedding application's own principal) bypass ACLs.
// Persisted in meta/acls.json (atomic replace + fsync) before CreateAcls / DeleteAcls answer.

import * as path from 'node:path';
import { ErrorCode, KafkaError } from './protocol/errors';
import { readJsonFile, writeJsonFileDurably } from './storage/json-file';

/** Kafka's AclResourceType ids. */
export const RESOURCE = { UNKNOWN: 0, ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6 } as const;
/** Kafka's PatternType ids. */
export const PATTERN = { UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
/** Kafka's AclOperation ids. */
export const OPERATION = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
} as const;
/** Kafka's AclPermissionType ids. */
export const PERMISSION = { UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const;

/** The one cluster resource name Kafka accepts. */
export const CLUSTER_NAME = 'kafka-cluster';
export const WILDCARD = '*';
const WILDCARD_PRINCIPAL = 'User:*';
const OPERATION_MAX = OPERATION.IDEMPOTENT_WRITE;
const RESOURCE_MAX = RESOURCE.DELEGATION_TOKEN;

export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

/** A DescribeAcls / DeleteAcls filter: null strings match anything, ANY enums match anything. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

function invalid(message: string): never {
  throw new KafkaError(ErrorCode.INVALID_REQUEST, message);
}

/** A principal is `Type:name` (Kafka's KafkaPrincipal string form). */
function checkPrincipal(principal: string): void {
  const colon = principal.indexOf(':');
  if (colon <= 0 || colon === principal.length - 1) invalid(`invalid principal '${principal}': expected 'Type:name', e.g. 'User:alice'`);
}

/** Throws INVALID_REQUEST for a binding Kafka would refuse to create. */
export function validateBinding(b: AclBinding): void {
  if (b.resourceType <= RESOURCE.ANY || b.resourceType > RESOURCE_MAX) invalid(`invalid resource type ${b.resourceType} for an ACL`);
  if (b.patternType !== PATTERN.LITERAL && b.patternType !== PATTERN.PREFIXED) invalid(`invalid pattern type ${b.patternType}: LITERAL or PREFIXED`);
  if (b.operation <= OPERATION.ANY || b.operation > OPERATION_MAX) invalid(`invalid operation ${b.operation} for an ACL`);
  if (b.permission !== PERMISSION.DENY && b.permission !== PERMISSION.ALLOW) invalid(`invalid permission type ${b.permission}: DENY or ALLOW`);
  if (b.resourceName === '') invalid('the resource name of an ACL must not be empty');
  if (b.resourceType === RESOURCE.CLUSTER && (b.resourceName !== CLUSTER_NAME || b.patternType !== PATTERN.LITERAL)) {
    invalid(`a CLUSTER ACL must name the literal resource '${CLUSTER_NAME}'`);
  }
  if (b.patternType === PATTERN.PREFIXED && b.resourceName === WILDCARD) invalid(`a PREFIXED ACL cannot name '${WILDCARD}'`);
  checkPrincipal(b.principal);
  if (b.host === '') invalid("the host of an ACL must be '*' or an address");
}

/** Throws INVALID_REQUEST for a filter that can match nothing by construction (UNKNOWN values). */
export function validateFilter(f: AclFilter): void {
  if (f.resourceType === RESOURCE.UNKNOWN || f.resourceType > RESOURCE_MAX) invalid(`invalid resource type filter ${f.resourceType}`);
  if (f.patternType === PATTERN.UNKNOWN || f.patternType > PATTERN.PREFIXED) invalid(`invalid pattern type filter ${f.patternType}`);
  if (f.operation === OPERATION.UNKNOWN || f.operation > OPERATION_MAX) invalid(`invalid operation filter ${f.operation}`);
  if (f.permission === PERMISSION.UNKNOWN || f.permission > PERMISSION.ALLOW) invalid(`invalid permission type filter ${f.permission}`);
}

/** Does the filter select this binding (Kafka's AclBindingFilter.matches)? */
export function filterMatches(f: AclFilter, b: AclBinding): boolean {
  if (f.resourceType !== RESOURCE.ANY && f.resourceType !== b.resourceType) return false;
  if (f.patternType === PATTERN.MATCH) {
    // The bindings that would apply to a resource named resourceName.
    if (f.resourceName !== null && !bindingCoversName(b, f.resourceName)) return false;
  } else {
    if (f.patternType !== PATTERN.ANY && f.patternType !== b.patternType) return false;
    if (f.resourceName !== null && f.resourceName !== b.resourceName) return false;
  }
  if (f.principal !== null && f.principal !== b.principal) return false;
  if (f.host !== null && f.host !== b.host) return false;
  if (f.operation !== OPERATION.ANY && f.operation !== b.operation) return false;
  if (f.permission !== PERMISSION.ANY && f.permission !== b.permission) return false;
  return true;
}

function bindingCoversName(b: AclBinding, name: string): boolean {
  if (b.patternType === PATTERN.LITERAL) return b.resourceName === name || b.resourceName === WILDCARD;
  return b.patternType === PATTERN.PREFIXED && name.startsWith(b.resourceName);
}

function sameBinding(a: AclBinding, b: AclBinding): boolean {
  return (
    a.resourceType === b.resourceType &&
    a.resourceName === b.resourceName &&
    a.patternType === b.patternType &&
    a.principal === b.principal &&
    a.host === b.host &&
    a.operation === b.operation &&
    a.permission === b.permission
  );
}

/** The operations a binding's operation grants when it ALLOWs (Kafka's implied operations). */
function allowCovers(bindingOp: number, requested: number): boolean {
  if (bindingOp === OPERATION.ALL || bindingOp === requested) return true;
  if (requested === OPERATION.DESCRIBE) {
    return bindingOp === OPERATION.READ || bindingOp === OPERATION.WRITE || bindingOp === OPERATION.DELETE || bindingOp === OPERATION.ALTER;
  }
  return requested === OPERATION.DESCRIBE_CONFIGS && bindingOp === OPERATION.ALTER_CONFIGS;
}

export interface AclRequester {
  /** `User:alice`. */
  principal: string;
  /** The client's address, as ACL hosts name it. */
  host: string;
}

export class AclStore {
  private bindings: AclBinding[];
  private readonly file: string;

  constructor(metaDir: string) {
    this.file = path.join(metaDir, 'acls.json');
    this.bindings = readJsonFile<{ acls: AclBinding[] }>(this.file)?.acls ?? [];
  }

  get size(): number {
    return this.bindings.length;
  }

  /** CreateAcls: validates every binding first, then adds the new ones durably (re-creating one is a no-op). */
  create(bindings: AclBinding[]): void {
    for (const b of bindings) validateBinding(b);
    const added: AclBinding[] = [];
    for (const b of bindings) if (![...this.bindings, ...added].some((have) => sameBinding(have, b))) added.push(b);
    if (added.length === 0) return;
    this.bindings = [...this.bindings, ...added];
    this.save();
  }

  describe(filter: AclFilter): AclBinding[] {
    validateFilter(filter);
    return this.bindings.filter((b) => filterMatches(filter, b));
  }

  /** DeleteAcls of one filter: the bindings it removed (durable before this returns). */
  delete(filter: AclFilter): AclBinding[] {
    validateFilter(filter);
    const removed = this.bindings.filter((b) => filterMatches(filter, b));
    if (removed.length > 0) {
      this.bindings = this.bindings.filter((b) => !removed.includes(b));
      this.save();
    }
    return removed;
  }

  /** Kafka's AclAuthorizer decision for one operation on one resource. */
  authorize(who: AclRequester, operation: number, resourceType: number, resourceName: string): boolean {
    if (this.bindings.length === 0) return true;
    const applicable = this.bindings.filter((b) => b.resourceType === resourceType && bindingCoversName(b, resourceName));
    if (applicable.length === 0) return true; // allow.everyone.if.no.acl.found
    const forMe = applicable.filter(
      (b) => (b.principal === who.principal || b.principal === WILDCARD_PRINCIPAL) && (b.host === WILDCARD || b.host === who.host),
    );
    const denied = forMe.some((b) => b.permission === PERMISSION.DENY && (b.operation === OPERATION.ALL || b.operation === operation));
    if (denied) return false;
    return forMe.some((b) => b.permission === PERMISSION.ALLOW && allowCovers(b.operation, operation));
  }

  private save(): void {
    writeJsonFileDurably(this.file, { acls: this.bindings });
  }
}

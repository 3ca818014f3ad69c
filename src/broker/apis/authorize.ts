// One authorization decision for the handlers: what the connection's principal may do by
// the embedding application's rules (sasl.ts: mayProduce / mayAdmin; reads are open), and
// then what the broker's ACLs allow (acls.ts). Both must agree, so ACLs only ever narrow
// an application's grants. Unauthenticated connections (SASL optional) pass both.
import { CLUSTER_NAME, OPERATION, RESOURCE } from '../acls';
import { RequestContext } from './handler';

function principalAllows({ sasl }: RequestContext, operation: number, resourceType: number, name: string): boolean {
  // The application's rights are about topics and administration; a transactional id is only
  // narrowed by ACLs (its data is still checked per topic on Produce).
  if (resourceType === RESOURCE.TRANSACTIONAL_ID) return true;
  switch (operation) {
    case OPERATION.READ:
    case OPERATION.DESCRIBE:
    case OPERATION.DESCRIBE_CONFIGS:
      return true;
    case OPERATION.WRITE:
      return resourceType === RESOURCE.TOPIC ? sasl.mayProduce(name) : sasl.mayAdmin();
    default:
      return sasl.mayAdmin();
  }
}

/** May this connection do `operation` on the resource? */
export function authorized(ctx: RequestContext, operation: number, resourceType: number, name: string): boolean {
  return principalAllows(ctx, operation, resourceType, name) && ctx.sasl.aclsAllow(ctx.cluster.acls, operation, resourceType, name);
}

/** WRITE on a transactional id: every transaction request (Kafka: TRANSACTIONAL_ID_AUTHORIZATION_FAILED). */
export function transactionAuthorized(ctx: RequestContext, transactionalId: string): boolean {
  return authorized(ctx, OPERATION.WRITE, RESOURCE.TRANSACTIONAL_ID, transactionalId);
}

/** Topic shorthand. */
export function topicAuthorized(ctx: RequestContext, operation: number, topic: string): boolean {
  return authorized(ctx, operation, RESOURCE.TOPIC, topic);
}

/** The ACLs' part of creating a topic: CREATE on the cluster or on the topic, as Kafka checks it. */
export function aclsAllowTopicCreation({ sasl, cluster }: RequestContext, topic: string): boolean {
  return sasl.aclsAllow(cluster.acls, OPERATION.CREATE, RESOURCE.CLUSTER, CLUSTER_NAME) || sasl.aclsAllow(cluster.acls, OPERATION.CREATE, RESOURCE.TOPIC, topic);
}

// Intake tokens on the embedded broker: SASL/PLAIN with the token's secret as the
// password (the username is free text: it is only logged). A token may produce to the
// topics its scopes name (below); `admin` may also create, delete and configure topics
// and delete groups. Every authenticated principal may read (Fetch, ListOffsets,
// Metadata, consumer groups); reads are not narrowed per topic.
//
// The broker starts before Nest, so the TokensService is bound once the app exists;
// until then only the internal credential passes. That credential is this process's
// own: a random 256-bit secret made at start, handed to the app's kafkajs client
// (LogModule) and never printed or stored, so the app connects when SASL is required.
// Broker ACLs (CreateAcls etc.) narrow a token further; they name it `User:token-<id>`.
// A token is checked when a connection authenticates; a revoked token's open
// connections keep their access until they reconnect (Kafka's behaviour without
// re-authentication).

import { randomBytes } from 'node:crypto';
import type { BrokerSasl, Principal } from '../broker';
import { DomainError } from '../common/errors';
import { Topics } from '../log/topics';
import type { ApiToken } from './api-tokens.repository';
import { Grant, Requirement, decide } from './scopes';
import { hashTokenSecret, sameHash } from './token-secret';
import type { TokensService } from './tokens.service';

export interface BrokerCredential {
  username: string;
  password: string;
}

/** The username the app's own client sends (any would do: only the password is checked). */
export const INTERNAL_BROKER_USERNAME = 'intake-internal';

/** Passwords outside this shape are refused without a lookup (the same shape bearer tokens have). */
const PASSWORD_SHAPE = /^[\x21-\x7e]{32,256}$/;

const COLLECTION_TOPIC = Topics.collection('');
const SINK_TOPIC = Topics.sink('');
const STREAM_TOPIC = Topics.stream('');

/**
 * What producing to `topic` needs: any one of the returned requirements. Intake's own
 * topics name their surface and resource; any other topic needs `admin` (an empty list).
 */
export function produceRequirements(topic: string): Requirement[] {
  const named = (prefix: string): string | null => (topic.startsWith(prefix) && topic.length > prefix.length ? topic.slice(prefix.length) : null);
  let name: string | null;
  if ((name = named(COLLECTION_TOPIC)) !== null) return [{ scope: 'collections:write', resource: { kind: 'collections', name } }];
  if ((name = named(SINK_TOPIC)) !== null) return [{ scope: 'sinks:write', resource: { kind: 'sinks', name } }];
  if ((name = named(STREAM_TOPIC)) !== null) {
    return [
      { scope: 'streams:ingest', resource: { kind: 'streams', name } },
      { scope: 'streams:write', resource: { kind: 'streams', name } },
    ];
  }
  if (topic === Topics.tasks) return [{ scope: 'tasks:write' }];
  return [];
}

/** `admin` → every topic; otherwise the topics of the grant's write scopes, narrowed by its resources. */
export function mayProduceTo(grant: Grant, topic: string): boolean {
  if (grant.scopes.includes('admin')) return true;
  return produceRequirements(topic).some((need) => decide(grant, need).allowed);
}

export function tokenPrincipal(token: ApiToken, username: string): Principal {
  const grant: Grant = { scopes: token.scopes, resources: token.resources };
  return {
    name: `token ${token.id} (${token.name}) as '${username}'`,
    mayProduce: (topic) => mayProduceTo(grant, topic),
    mayAdmin: () => grant.scopes.includes('admin'),
    // Broker ACLs name the token, not the free-text username, so an ACL cannot be dodged by
    // picking another username.
    aclPrincipal: `User:token-${token.id}`,
  };
}

const INTERNAL_PRINCIPAL: Principal = {
  name: 'intake (internal)',
  mayProduce: () => true,
  mayAdmin: () => true,
  // Kafka's super.users: broker ACLs never lock Intake out of its own topics.
  superUser: true,
};

/** The broker's SASL callback for one Intake process: the internal credential, then tokens once bound. */
export class BrokerAccess {
  /** For the app's own kafkajs client. */
  readonly internalCredential: BrokerCredential;
  private readonly internalHash: Buffer;
  private tokens: TokensService | null = null;

  constructor(private readonly required: boolean) {
    this.internalCredential = { username: INTERNAL_BROKER_USERNAME, password: `intake_internal_${randomBytes(32).toString('base64url')}` };
    this.internalHash = hashTokenSecret(this.internalCredential.password);
  }

  /** Tokens are accepted from now on (the Nest app exists). */
  bind(tokens: TokensService): void {
    this.tokens = tokens;
  }

  get sasl(): BrokerSasl {
    return { required: this.required, authenticate: (username, password) => this.authenticate(username, password) };
  }

  async authenticate(username: string, password: string): Promise<Principal | null> {
    if (!PASSWORD_SHAPE.test(password)) return null;
    if (sameHash(hashTokenSecret(password), this.internalHash)) return INTERNAL_PRINCIPAL;
    if (!this.tokens) return null;
    try {
      return tokenPrincipal(await this.tokens.authenticate(password), username);
    } catch (err) {
      if (err instanceof DomainError && err.status === 401) return null;
      throw err;
    }
  }
}

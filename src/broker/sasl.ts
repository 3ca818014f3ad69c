// SASL/PLAIN and SASL/SCRAM-SHA-256/512 (sasl-scram.ts) on the broker's one listener, and
// what an authenticated principal may do.
//
// Facts from Apache Kafka this follows (SaslServerAuthenticator, PlainSaslServer, KafkaApis):
// - A client sends ApiVersions (optional), then SaslHandshake naming a mechanism. After a
//   v1 handshake the token travels in SaslAuthenticate requests; after a v0 handshake the
//   next frame is the raw token itself (size-prefixed, no request header) and the answer
//   is a size-prefixed raw token (empty for PLAIN). kafkajs and librdkafka both use v1 +
//   SaslAuthenticate when ApiVersions lists it; v0 is served for older clients.
// - Until authentication completes, any other request closes the connection, and so
//   does a failed authentication: v1 after a SASL_AUTHENTICATION_FAILED answer with a
//   message, v0 without an answer (it has nowhere to put one).
// - The PLAIN token (RFC 4616) is `authzid NUL authcid NUL password`; an authzid, when
//   given, must equal the username.
// - SaslHandshake or SaslAuthenticate after a successful authentication is answered with
//   ILLEGAL_SASL_STATE (no re-authentication, KIP-368, here: session_lifetime_ms is 0).
// - Before authentication a frame may be at most `sasl.server.max.receive.size` (512 KiB),
//   so an unauthenticated peer cannot make the broker buffer a 100 MiB request.
//
// Deviation: Kafka has one security protocol per listener. Here one port serves both when
// SASL is optional: a connection that never sends SaslHandshake keeps full access (the
// loopback default), one that authenticates is limited by its principal. When SASL is
// required, only ApiVersions, SaslHandshake and SaslAuthenticate precede authentication.

import * as net from 'node:net';
import type { AclStore } from './acls';
import { SCRAM_MECHANISMS, ScramCredential, ScramExchange, ScramMechanism } from './sasl-scram';

/** Who a connection authenticated as, and what it may do. Supplied by the embedding application. */
export interface Principal {
  /** For logs. */
  readonly name: string;
  /** Produce to this topic (and auto-create it when the broker auto-creates topics). */
  mayProduce(topic: string): boolean;
  /** CreateTopics, DeleteTopics, DeleteRecords, AlterConfigs, CreatePartitions, DeleteGroups, ACLs. */
  mayAdmin(): boolean;
  /**
   * The Kafka principal ACLs name (`User:alice`); default `User:<SASL username>`. An embedding
   * application whose usernames are free text names a principal it vouches for instead.
   */
  readonly aclPrincipal?: string;
  /** Kafka `super.users`: ACLs do not apply (the embedding application's own client). */
  readonly superUser?: boolean;
}

export interface BrokerSasl {
  /** true: every connection must authenticate first. false: authenticating is optional (loopback only). */
  required: boolean;
  /** Checks a PLAIN username and password; null refuses them. A throw refuses too (and is logged). */
  authenticate(username: string, password: string): Promise<Principal | null>;
  /**
   * SCRAM-SHA-256 / SCRAM-SHA-512: the user's stored credential for that mechanism
   * (scramCredential() in sasl-scram.ts makes one from a password) and the principal it
   * authenticates as, or null for an unknown user. Unset: only PLAIN is enabled.
   */
  scram?(mechanism: ScramMechanism, username: string): Promise<{ credential: ScramCredential; principal: Principal } | null>;
}

export const SASL_MECHANISMS = ['PLAIN', ...SCRAM_MECHANISMS] as const;

const API_VERSIONS_KEY = 18;
const SASL_HANDSHAKE_KEY = 17;
const SASL_AUTHENTICATE_KEY = 36;

export function isSaslApiKey(apiKey: number): boolean {
  return apiKey === SASL_HANDSHAKE_KEY || apiKey === SASL_AUTHENTICATE_KEY;
}

/** 127.0.0.0/8, ::1 (and its IPv4-mapped forms) or `localhost`: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (net.isIPv4(v4)) return v4.split('.')[0] === '127';
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

type SaslState =
  /** Nothing sent yet (or, SASL optional, unauthenticated requests only). */
  | 'open'
  /** SaslHandshake v1 accepted: a SaslAuthenticate must follow. */
  | 'handshaken'
  /** SaslHandshake v0 accepted: the next frame is the raw PLAIN token. */
  | 'raw-token'
  | 'authenticated'
  /** Authentication failed: the connection closes after the answer. */
  | 'failed';

/** `reply`: the server's SASL token (SCRAM's server-first and server-final messages; empty for PLAIN). */
export type AuthenticateResult = { ok: true; reply: Buffer } | { ok: false; errorMessage: string };

/** One connection's authentication state; the server gates requests on it, the SASL handlers move it. */
export class SaslSession {
  private stateValue: SaslState = 'open';
  private principalValue: Principal | null = null;
  private username = '';
  /** Set by a SCRAM handshake: the exchange its SaslAuthenticate requests go through. */
  private scram: ScramExchange<Principal> | null = null;
  /** Why the connection is closing after a failure. */
  failure: string | null = null;

  constructor(
    /** null: the broker has no SASL configured. */
    private readonly sasl: BrokerSasl | null,
    private readonly warn: (msg: string) => void,
    /** The peer's address, as ACL hosts name it. */
    private readonly clientHost = '*',
  ) {}

  get state(): SaslState {
    return this.stateValue;
  }

  get principal(): Principal | null {
    return this.principalValue;
  }

  /** The mechanisms this broker enables (none without SASL configured). */
  get mechanisms(): string[] {
    if (!this.sasl) return [];
    return this.sasl.scram ? [...SASL_MECHANISMS] : ['PLAIN'];
  }

  /**
   * Settled: requests need no ordering against an authentication step, and frames may be
   * as large as any request. True once authenticated, or while SASL is optional and none began.
   */
  get settled(): boolean {
    return this.stateValue === 'authenticated' || (this.stateValue === 'open' && !this.sasl?.required);
  }

  /** null when the request may be served now; otherwise why the connection closes instead. */
  refusal(apiKey: number): string | null {
    switch (this.stateValue) {
      case 'authenticated':
        return null;
      case 'open':
        if (apiKey === API_VERSIONS_KEY || apiKey === SASL_HANDSHAKE_KEY) return null;
        if (apiKey === SASL_AUTHENTICATE_KEY) return 'SaslAuthenticate before SaslHandshake';
        return this.sasl?.required ? `API key ${apiKey} before SASL authentication (required on this broker)` : null;
      case 'handshaken':
        return apiKey === SASL_AUTHENTICATE_KEY ? null : `API key ${apiKey} during SASL authentication (SaslAuthenticate expected)`;
      case 'raw-token':
        return 'a request where the SASL token was expected';
      case 'failed':
        return this.failure ?? 'SASL authentication failed';
    }
  }

  /** SaslHandshake: true when the mechanism is enabled; false fails the session (the answer lists what is). */
  handshake(mechanism: string, version: number): boolean {
    if (!(this.mechanisms as string[]).includes(mechanism)) {
      this.fail(`unsupported SASL mechanism '${mechanism}' (enabled: ${this.mechanisms.join(', ') || 'none'})`);
      return false;
    }
    const scram = this.sasl?.scram?.bind(this.sasl);
    if (mechanism !== 'PLAIN' && scram) this.scram = new ScramExchange<Principal>(mechanism as ScramMechanism, scram);
    this.stateValue = version === 0 ? 'raw-token' : 'handshaken';
    return true;
  }

  /** One SASL token of the mechanism the handshake chose; on failure the session is failed and the result says why (Kafka's wording). */
  authenticate(token: Buffer): Promise<AuthenticateResult> {
    return this.scram ? this.scramStep(token) : this.authenticatePlain(token);
  }

  private async scramStep(token: Buffer): Promise<AuthenticateResult> {
    const exchange = this.scram as ScramExchange<Principal>;
    const step = exchange.started ? exchange.final(token) : await exchange.first(token);
    if (step.kind === 'failed') {
      this.fail(`SASL/${exchange.mechanism} authentication failed: ${step.why}`);
      return { ok: false, errorMessage: step.why };
    }
    if (step.kind === 'done') {
      this.principalValue = step.principal;
      this.username = step.username;
      this.stateValue = 'authenticated';
    }
    return { ok: true, reply: step.reply };
  }

  private async authenticatePlain(token: Buffer): Promise<AuthenticateResult> {
    const refuse = (errorMessage: string, logged = errorMessage): AuthenticateResult => {
      this.fail(`SASL/PLAIN authentication failed: ${logged}`);
      return { ok: false, errorMessage };
    };
    if (!this.sasl) return refuse('SASL is not enabled on this broker');
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) return refuse(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authzid, username, password] = parts;
    if (username === '') return refuse('Authentication failed: username not specified');
    if (password === '') return refuse('Authentication failed: password not specified');
    if (authzid !== '' && authzid !== username) {
      return refuse('Authentication failed: Client requested an authorization id that is different from username');
    }
    let principal: Principal | null;
    try {
      principal = await this.sasl.authenticate(username, password);
    } catch (err) {
      this.warn(`broker: SASL authenticator threw for user '${username}': ${err instanceof Error ? err.message : String(err)}`);
      principal = null;
    }
    // The username is the client's free text; it is logged, the password never is.
    if (!principal) return refuse('Authentication failed: Invalid username or password', `user '${username}': invalid username or password`);
    this.principalValue = principal;
    this.username = username;
    this.stateValue = 'authenticated';
    return { ok: true, reply: Buffer.alloc(0) };
  }

  /** Unauthenticated connections (possible only while SASL is optional) keep full access. */
  mayProduce(topic: string): boolean {
    return this.principalValue === null || this.principalValue.mayProduce(topic);
  }

  mayAdmin(): boolean {
    return this.principalValue === null || this.principalValue.mayAdmin();
  }

  /**
   * The ACLs' verdict for this connection (acls.ts). They narrow what the principal's own
   * rights allow; they do not apply to unauthenticated connections (SASL optional: full access,
   * as before) nor to super users.
   */
  aclsAllow(acls: AclStore, operation: number, resourceType: number, resourceName: string): boolean {
    const p = this.principalValue;
    if (p === null || p.superUser) return true;
    const principal = p.aclPrincipal ?? `User:${this.username}`;
    // Node reports IPv4 peers of a dual-stack socket as ::ffff:a.b.c.d; ACL hosts name a.b.c.d.
    const host = this.clientHost.startsWith('::ffff:') ? this.clientHost.slice('::ffff:'.length) : this.clientHost;
    return acls.authorize({ principal, host }, operation, resourceType, resourceName);
  }

  private fail(why: string): void {
    this.stateValue = 'failed';
    this.failure = why;
  }
}

// SASL/SCRAM-SHA-256 and SCRAM-SHA-512 (RFC 5802, RFC 7677), the server side, as Apache
// Kafka's ScramSaslServer runs it: two SaslAuthenticate round trips.
//
//   client-first  n,[a=<authzid>],n=<user>,r=<client nonce>[,extensions]
//   server-first  r=<client nonce><server nonce>,s=<base64 salt>,i=<iterations>
//   client-final  c=<base64 of the gs2 header>,r=<nonce>,p=<base64 proof>
//   server-final  v=<base64 server signature>
//
// The broker never sees a password: the embedding application hands it the user's stored
// credential (salt, iterations, StoredKey, ServerKey), which scramCredential() derives from
// a password the way `kafka-configs --add-config SCRAM-SHA-256=[password=…]` does. As in Kafka,
// an authorization id must equal the user name, the iteration count is at least 4096, and
// every failure is answered with one message that does not tell an unknown user from a bad
// proof.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export type ScramMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
export const SCRAM_MECHANISMS: readonly ScramMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512'];

const DIGEST: Record<ScramMechanism, { hash: 'sha256' | 'sha512'; bytes: number }> = {
  'SCRAM-SHA-256': { hash: 'sha256', bytes: 32 },
  'SCRAM-SHA-512': { hash: 'sha512', bytes: 64 },
};

/** Kafka's ScramMechanism.minIterations. */
export const SCRAM_ITERATIONS_MIN = 4096;

/** What a server stores for one user and mechanism (Kafka's ScramCredential). */
export interface ScramCredential {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (m: ScramMechanism, key: Buffer, data: string): Buffer => createHmac(DIGEST[m].hash, key).update(data, 'utf8').digest();

/** The credential of `password` (SaltedPassword → ClientKey → StoredKey, and ServerKey; RFC 5802 §3). */
export function scramCredential(mechanism: ScramMechanism, password: string, iterations = SCRAM_ITERATIONS_MIN, salt = randomBytes(32)): ScramCredential {
  if (!(iterations >= SCRAM_ITERATIONS_MIN)) throw new Error(`SCRAM iterations must be at least ${SCRAM_ITERATIONS_MIN}`);
  const { hash, bytes } = DIGEST[mechanism];
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, bytes, hash);
  const clientKey = hmac(mechanism, salted, 'Client Key');
  return { salt, iterations, storedKey: createHash(hash).update(clientKey).digest(), serverKey: hmac(mechanism, salted, 'Server Key') };
}

export const SCRAM_FAILED = (m: ScramMechanism): string => `Authentication failed during authentication due to invalid credentials with SASL mechanism ${m}`;

/** `a=b,c=d` attributes of a SCRAM message, in order. */
function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const m = /^([a-zA-Z])=(.*)$/s.exec(part);
    if (!m) throw new Error(`invalid SCRAM attribute '${part}'`);
    if (!out.has(m[1])) out.set(m[1], m[2]);
  }
  return out;
}

/** RFC 5802 saslname: `=2C` is a comma, `=3D` an equals sign; any other `=` is invalid. */
function decodeSaslName(name: string): string {
  if (/=(?!2C|3D)/.test(name)) throw new Error('invalid encoded SCRAM user name');
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

export type ScramStep<P> =
  | { kind: 'continue'; reply: Buffer }
  | { kind: 'done'; reply: Buffer; username: string; principal: P }
  | { kind: 'failed'; why: string };

/** One connection's SCRAM exchange: first() answers the client-first message, final() the client-final one. */
export class ScramExchange<P> {
  private state: { username: string; principal: P; credential: ScramCredential; nonce: string; gs2Header: string; clientFirstBare: string; serverFirst: string } | null = null;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly lookup: (mechanism: ScramMechanism, username: string) => Promise<{ credential: ScramCredential; principal: P } | null>,
    /** The server's half of the nonce (fixed only by tests replaying RFC 7677's example). */
    private readonly serverNonce: () => string = () => randomBytes(18).toString('base64'),
  ) {}

  get started(): boolean {
    return this.state !== null;
  }

  async first(token: Buffer): Promise<ScramStep<P>> {
    let username: string;
    let gs2Header: string;
    let clientFirstBare: string;
    let clientNonce: string;
    try {
      const text = token.toString('utf8');
      const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text); // channel binding: n (none) or y (client supports, server does not)
      if (!m) throw new Error('invalid client-first message');
      gs2Header = text.slice(0, text.length - m[3].length);
      clientFirstBare = m[3];
      const attrs = attributes(clientFirstBare);
      username = decodeSaslName(attrs.get('n') ?? '');
      clientNonce = attrs.get('r') ?? '';
      if (username === '' || clientNonce === '') throw new Error('client-first message without user name or nonce');
      if (m[2] !== undefined && decodeSaslName(m[2].slice(2)) !== username) {
        return { kind: 'failed', why: 'Authentication failed: Client requested an authorization id that is different from username' };
      }
    } catch (err) {
      return { kind: 'failed', why: `Invalid SCRAM client first message: ${(err as Error).message}` };
    }
    const found = await this.lookup(this.mechanism, username);
    if (!found || found.credential.iterations < SCRAM_ITERATIONS_MIN) return { kind: 'failed', why: SCRAM_FAILED(this.mechanism) };
    const nonce = clientNonce + this.serverNonce();
    const serverFirst = `r=${nonce},s=${found.credential.salt.toString('base64')},i=${found.credential.iterations}`;
    this.state = { username, principal: found.principal, credential: found.credential, nonce, gs2Header, clientFirstBare, serverFirst };
    return { kind: 'continue', reply: Buffer.from(serverFirst, 'utf8') };
  }

  final(token: Buffer): ScramStep<P> {
    const s = this.state;
    if (!s) return { kind: 'failed', why: 'SCRAM client final message before the first' };
    const m = this.mechanism;
    try {
      const text = token.toString('utf8');
      const proofAt = text.lastIndexOf(',p=');
      if (proofAt < 0) throw new Error('no proof');
      const withoutProof = text.slice(0, proofAt);
      const attrs = attributes(withoutProof);
      if (attrs.get('c') !== Buffer.from(s.gs2Header, 'utf8').toString('base64')) throw new Error('channel binding does not match');
      // endsWith, as Kafka's ScramSaslServer checks: librdkafka 2.0 sends its own nonce before the server's full one.
      if (!(attrs.get('r') ?? '').endsWith(s.nonce)) throw new Error('nonce does not match');
      const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
      const authMessage = `${s.clientFirstBare},${s.serverFirst},${withoutProof}`;
      const clientSignature = hmac(m, s.credential.storedKey, authMessage);
      if (proof.length !== clientSignature.length) throw new Error('proof of the wrong length');
      const clientKey = Buffer.alloc(proof.length);
      for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i] ^ clientSignature[i];
      const storedKey = createHash(DIGEST[m].hash).update(clientKey).digest();
      if (!timingSafeEqual(storedKey, s.credential.storedKey)) throw new Error('invalid proof');
      const serverSignature = hmac(m, s.credential.serverKey, authMessage).toString('base64');
      return { kind: 'done', reply: Buffer.from(`v=${serverSignature}`, 'utf8'), username: s.username, principal: s.principal };
    } catch {
      return { kind: 'failed', why: SCRAM_FAILED(m) };
    }
  }
}

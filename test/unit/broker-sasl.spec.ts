// SASL on the embedded broker without a socket: SaslHandshake / SaslAuthenticate encoded
// against kafkajs's own encoders and decoders, the per-connection session, the handlers'
// authorization answers, the loopback rule, and how Intake tokens map onto topics.
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
import { API_HANDLERS } from '../../src/broker/apis';
import { RequestContext } from '../../src/broker/apis/handler';
import { Cluster } from '../../src/broker/cluster';
import { resolveBrokerOptions } from '../../src/broker/config';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { MESSAGES } from '../../src/broker/protocol/messages';
import { Message, decodeMessage, encodeMessage } from '../../src/broker/protocol/schema';
import { WireReader, WireWriter } from '../../src/broker/protocol/wire';
import { BrokerSasl, Principal, SaslSession, isLoopbackHost } from '../../src/broker/sasl';
import { BrokerAccess, mayProduceTo, tokenPrincipal } from '../../src/auth/broker-access';
import type { ApiToken } from '../../src/auth/api-tokens.repository';
import { Errors } from '../../src/common/errors';
import { tempDir } from '../support/broker';

const KJS = 'kafkajs/src/protocol';
const kreq = (api: string, v: number): any => require(`${KJS}/requests/${api}/v${v}/request`);
const kres = (api: string, v: number): any => require(`${KJS}/requests/${api}/v${v}/response`);

function encode(apiKey: number, kind: 'request' | 'response', version: number, value: Message): Buffer {
  const w = new WireWriter(16);
  encodeMessage(MESSAGES[apiKey][kind], version, value, w);
  return Buffer.from(w.toBuffer());
}
function decode(apiKey: number, kind: 'request' | 'response', version: number, bytes: Buffer): Message {
  const r = new WireReader(bytes);
  const out = decodeMessage(MESSAGES[apiKey][kind], version, r);
  expect(r.remaining).toBe(0);
  return out;
}
const plain = (authzid: string, user: string, password: string): Buffer => Buffer.from([authzid, user, password].join('\u0000'));

describe('SaslHandshake (17) and SaslAuthenticate (36) on the wire', () => {
  it.each([0, 1])('kafkajs SaslHandshake v%d request decodes; our response decodes with kafkajs', async (v) => {
    const req = kreq('saslHandshake', v)({ mechanism: 'PLAIN' });
    expect(decode(17, 'request', v, Buffer.from((await req.encode()).buffer))).toEqual({ mechanism: 'PLAIN' });
    const res = kres('saslHandshake', v);
    const d = await res.decode(encode(17, 'response', v, { error_code: 0, mechanisms: ['PLAIN'] }));
    expect(d).toEqual({ errorCode: 0, enabledMechanisms: ['PLAIN'] });
    await res.parse(d);
  });

  it.each([0, 1])('kafkajs SaslAuthenticate v%d request decodes; our answers decode with kafkajs', async (v) => {
    const token = plain('', 'alice', 'intake_secret');
    // kafkajs hands SaslAuthenticate the mechanism's own encoding (PLAIN: Kafka BYTES, length first) and writes it as is.
    const { request: plainRequest } = require(`${KJS}/sasl/plain`);
    const authBytes = Buffer.from((await plainRequest({ username: 'alice', password: 'intake_secret' }).encode()) as Buffer);
    const req = kreq('saslAuthenticate', v)({ authBytes });
    expect(decode(36, 'request', v, Buffer.from((await req.encode()).buffer))).toEqual({ auth_bytes: token });
    const res = kres('saslAuthenticate', v);
    const ok = await res.decode(encode(36, 'response', v, { error_code: 0, error_message: null, auth_bytes: Buffer.alloc(0), session_lifetime_ms: 0n }));
    expect(ok).toMatchObject({ errorCode: 0, errorMessage: null });
    if (v === 1) expect(ok.sessionLifetimeMs).toBe('0');
    await res.parse(ok);
    const refused = await res.decode(
      encode(36, 'response', v, { error_code: ErrorCode.SASL_AUTHENTICATION_FAILED, error_message: 'Authentication failed: Invalid username or password' }),
    );
    await expect(res.parse(refused)).rejects.toThrow(/Invalid username or password/);
  });

  it('SaslAuthenticate v2 is flexible: compact bytes and tagged fields', () => {
    const body = encode(36, 'request', 2, { auth_bytes: Buffer.from('\u0000u\u0000p') });
    expect([...body]).toEqual([5, 0, 0x75, 0, 0x70, 0]); // compact length+1, bytes, no tagged fields
    const res = encode(36, 'response', 2, { error_code: 58, error_message: 'no', auth_bytes: Buffer.alloc(0), session_lifetime_ms: 0n });
    expect(decode(36, 'response', 2, res)).toEqual({ error_code: 58, error_message: 'no', auth_bytes: Buffer.alloc(0), session_lifetime_ms: 0n });
  });

  it('v0 of SaslAuthenticate has no session lifetime; it decodes as 0', () => {
    const bytes = encode(36, 'response', 0, { error_code: 0, error_message: null, auth_bytes: Buffer.alloc(0), session_lifetime_ms: 99n });
    expect(bytes.length).toBe(2 + 2 + 4); // error_code, null string, empty bytes
    expect(decode(36, 'response', 0, bytes).session_lifetime_ms).toBe(0n);
  });
});

const ALL: Principal = { name: 'all', mayProduce: () => true, mayAdmin: () => true };
const ONLY_A: Principal = { name: 'a-writer', mayProduce: (t) => t === 'a', mayAdmin: () => false };

function saslWith(users: Record<string, Principal>, required = true): BrokerSasl {
  return { required, authenticate: async (_user, password) => users[password] ?? null };
}

describe('SaslSession', () => {
  it('required: only ApiVersions and SaslHandshake before a handshake; only SaslAuthenticate after a v1 handshake', () => {
    const s = new SaslSession(saslWith({}), () => undefined);
    expect(s.settled).toBe(false);
    expect(s.refusal(18)).toBeNull();
    expect(s.refusal(17)).toBeNull();
    expect(s.refusal(0)).toMatch(/before SASL authentication/);
    expect(s.refusal(36)).toMatch(/before SaslHandshake/);
    expect(s.handshake('PLAIN', 1)).toBe(true);
    expect(s.state).toBe('handshaken');
    expect(s.refusal(36)).toBeNull();
    expect(s.refusal(3)).toMatch(/SaslAuthenticate expected/);
    expect(s.refusal(18)).toMatch(/SaslAuthenticate expected/);
  });

  it('optional: unauthenticated requests are served with full access', () => {
    const s = new SaslSession(saslWith({}, false), () => undefined);
    expect(s.settled).toBe(true);
    expect(s.refusal(0)).toBeNull();
    expect(s.mayProduce('anything')).toBe(true);
    expect(s.mayAdmin()).toBe(true);
  });

  it('a v0 handshake expects the raw token next', () => {
    const s = new SaslSession(saslWith({}), () => undefined);
    s.handshake('PLAIN', 0);
    expect(s.state).toBe('raw-token');
    expect(s.refusal(18)).not.toBeNull();
  });

  it('an unknown mechanism fails the session; without SASL configured none is enabled', () => {
    const s = new SaslSession(saslWith({}), () => undefined);
    expect(s.mechanisms).toEqual(['PLAIN']);
    expect(s.handshake('SCRAM-SHA-256', 1)).toBe(false);
    expect(s.state).toBe('failed');
    expect(s.refusal(18)).toMatch(/unsupported SASL mechanism/);
    const none = new SaslSession(null, () => undefined);
    expect(none.mechanisms).toEqual([]);
    expect(none.handshake('PLAIN', 1)).toBe(false);
  });

  it.each([
    ['a good password', plain('', 'u', 'pw-a'), { ok: true, reply: Buffer.alloc(0) }],
    ['authzid equal to the username', plain('u', 'u', 'pw-a'), { ok: true, reply: Buffer.alloc(0) }],
    ['a wrong password', plain('', 'u', 'nope'), { ok: false, errorMessage: 'Authentication failed: Invalid username or password' }],
    ['an empty username', plain('', '', 'pw-a'), { ok: false, errorMessage: 'Authentication failed: username not specified' }],
    ['an empty password', plain('', 'u', ''), { ok: false, errorMessage: 'Authentication failed: password not specified' }],
    ['another authzid', plain('root', 'u', 'pw-a'), { ok: false, errorMessage: expect.stringMatching(/authorization id that is different/) }],
    ['two tokens', Buffer.from('u\u0000pw-a'), { ok: false, errorMessage: 'Invalid SASL/PLAIN response: expected 3 tokens, got 2' }],
  ])('PLAIN with %s', async (_what, token, expected) => {
    const s = new SaslSession(saslWith({ 'pw-a': ONLY_A }), () => undefined);
    s.handshake('PLAIN', 1);
    expect(await s.authenticate(token)).toEqual(expected);
    if ((expected as { ok: boolean }).ok) {
      expect(s.state).toBe('authenticated');
      expect(s.settled).toBe(true);
      expect(s.principal).toBe(ONLY_A);
      expect([s.mayProduce('a'), s.mayProduce('b'), s.mayAdmin()]).toEqual([true, false, false]);
    } else {
      expect(s.state).toBe('failed');
      expect(s.failure).not.toContain('pw-a'); // the password is never in a log line
    }
  });

  it('an authenticator that throws refuses, and the throw is logged', async () => {
    const warned: string[] = [];
    const s = new SaslSession({ required: true, authenticate: async () => Promise.reject(new Error('db down')) }, (m) => warned.push(m));
    s.handshake('PLAIN', 1);
    expect(await s.authenticate(plain('', 'u', 'p'))).toEqual({ ok: false, errorMessage: 'Authentication failed: Invalid username or password' });
    expect(warned.join()).toMatch(/db down/);
  });
});

describe('handlers under a principal', () => {
  let cluster: Cluster;
  beforeEach(() => {
    cluster = new Cluster(resolveBrokerOptions({ dataDir: tempDir('sasl-apis'), port: 0 }));
  });
  afterEach(() => cluster.close());

  async function sessionAs(principal: Principal): Promise<SaslSession> {
    const s = new SaslSession(saslWith({ pw: principal }), () => undefined);
    s.handshake('PLAIN', 1);
    await s.authenticate(plain('', 'u', 'pw'));
    return s;
  }
  const call = async (apiKey: number, version: number, request: Message, sasl: SaslSession): Promise<Message> => {
    const handler = API_HANDLERS.find((h) => h.apiKey === apiKey)!;
    const context: RequestContext = { version, clientId: 'unit', clientHost: '127.0.0.1', connectionId: 1, cluster, sasl, supportedVersions: () => [] };
    return (await handler.handle(request, context)) as Message;
  };

  it('SaslHandshake and SaslAuthenticate answer; a second one after success is ILLEGAL_SASL_STATE', async () => {
    const s = new SaslSession(saslWith({ pw: ALL }), () => undefined);
    expect(await call(17, 1, { mechanism: 'PLAIN' }, s)).toEqual({ error_code: 0, mechanisms: ['PLAIN'] });
    expect(await call(36, 2, { auth_bytes: plain('', 'u', 'pw') }, s)).toMatchObject({ error_code: 0, error_message: null });
    expect((await call(17, 1, { mechanism: 'PLAIN' }, s)).error_code).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect((await call(36, 2, { auth_bytes: plain('', 'u', 'pw') }, s)).error_code).toBe(ErrorCode.ILLEGAL_SASL_STATE);
  });

  it('a refused password is SASL_AUTHENTICATION_FAILED with a message; an unknown mechanism UNSUPPORTED_SASL_MECHANISM', async () => {
    const s = new SaslSession(saslWith({ pw: ALL }), () => undefined);
    await call(17, 1, { mechanism: 'PLAIN' }, s);
    expect(await call(36, 1, { auth_bytes: plain('', 'u', 'bad') }, s)).toMatchObject({
      error_code: ErrorCode.SASL_AUTHENTICATION_FAILED,
      error_message: 'Authentication failed: Invalid username or password',
    });
    const t = new SaslSession(saslWith({}), () => undefined);
    expect(await call(17, 1, { mechanism: 'GSSAPI' }, t)).toEqual({ error_code: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] });
  });

  it('Produce to a topic the principal may not write: TOPIC_AUTHORIZATION_FAILED for each partition, nothing created', async () => {
    const s = await sessionAs(ONLY_A);
    const res = await call(0, 7, {
      acks: -1,
      timeout_ms: 1000,
      topic_data: [{ name: 'b', partition_data: [{ index: 0, records: Buffer.alloc(70) }, { index: 1, records: Buffer.alloc(70) }] }],
    }, s);
    expect(res.responses[0].partition_responses.map((p: Message) => p.error_code)).toEqual([29, 29]);
    expect(cluster.topics.has('b')).toBe(false);
  });

  it('Metadata: a missing topic the principal may not write is TOPIC_AUTHORIZATION_FAILED; one it may write is auto-created', async () => {
    const s = await sessionAs(ONLY_A);
    const res = await call(3, 6, { topics: [{ name: 'a' }, { name: 'b' }], allow_auto_topic_creation: true }, s);
    expect(res.topics.map((t: Message) => [t.name, t.error_code])).toEqual([['a', 0], ['b', ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
    expect([cluster.topics.has('a'), cluster.topics.has('b')]).toEqual([true, false]);
  });

  it('admin APIs need mayAdmin', async () => {
    const s = await sessionAs(ONLY_A);
    cluster.createTopic('a', 1, []);
    const created = await call(19, 4, { topics: [{ name: 'x', num_partitions: 1, replication_factor: 1, assignments: [], configs: [] }], timeout_ms: 0, validate_only: false }, s);
    expect(created.topics[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await call(20, 3, { topic_names: ['a'], timeout_ms: 0 }, s)).responses[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const dr = await call(21, 1, { topics: [{ name: 'a', partitions: [{ partition_index: 0, offset: 0n }] }], timeout_ms: 0 }, s);
    expect(dr.topics[0].partitions[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const ac = await call(33, 1, { resources: [{ resource_type: 2, resource_name: 'a', configs: [] }], validate_only: false }, s);
    expect(ac.responses[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const cp = await call(37, 1, { topics: [{ name: 'a', count: 2, assignments: null }], timeout_ms: 0, validate_only: false }, s);
    expect(cp.results[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await call(42, 1, { groups_names: ['g'] }, s)).results[0].error_code).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect(cluster.topics.get('a')?.partitions.length).toBe(1);
    const admin = await sessionAs(ALL);
    expect((await call(20, 3, { topic_names: ['a'], timeout_ms: 0 }, admin)).responses[0].error_code).toBe(ErrorCode.NONE);
  });
});

describe('binding rule', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.5', false],
    ['example.com', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });

  it('a broker on a non-loopback address refuses to start unless SASL is required', () => {
    const dataDir = tempDir('sasl-bind');
    expect(() => resolveBrokerOptions({ dataDir, host: '0.0.0.0' })).toThrow(/requires SASL/);
    expect(() => resolveBrokerOptions({ dataDir, host: '0.0.0.0', sasl: saslWith({}, false) })).toThrow(/requires SASL/);
    expect(resolveBrokerOptions({ dataDir, host: '0.0.0.0', sasl: saslWith({}, true) }).host).toBe('0.0.0.0');
    expect(resolveBrokerOptions({ dataDir }).host).toBe('127.0.0.1');
  });
});

describe('Intake tokens on the broker (src/auth/broker-access.ts)', () => {
  const token = (scopes: ApiToken['scopes'], resources: ApiToken['resources'] = null): ApiToken => ({
    id: 't1',
    name: 'n',
    hint: 'intake_x…',
    scopes,
    resources,
    rateLimit: null,
    isAdmin: false,
    expiresAt: null,
    revokedAt: null,
    createdAt: new Date(0),
  });

  it.each([
    [['admin'], null, 'anything.at.all', true],
    [['collections:write'], null, 'intake.collection.docs', true],
    [['collections:write'], { collections: ['docs'] }, 'intake.collection.docs', true],
    [['collections:write'], { collections: ['docs'] }, 'intake.collection.other', false],
    [['collections:write'], { sinks: ['s'] }, 'intake.collection.other', true],
    [['collections:read'], null, 'intake.collection.docs', false],
    [['read'], null, 'intake.collection.docs', false],
    [['collections:write'], null, 'intake.collection.', false],
    [['collections:write'], null, 'intake.tasks', false],
    [['sinks:write'], null, 'intake.sink.s1', true],
    [['sinks:write'], { sinks: ['s2'] }, 'intake.sink.s1', false],
    [['streams:ingest'], null, 'intake.stream.clicks', true],
    [['streams:write'], { streams: ['clicks'] }, 'intake.stream.clicks', true],
    [['streams:read'], null, 'intake.stream.clicks', false],
    [['tasks:write'], null, 'intake.tasks', true],
    [['tasks:write'], null, 'intake.tasksx', false],
    [['collections:write', 'sinks:write', 'streams:write', 'tasks:write'], null, 'demo', false],
  ] as const)('%j %j → %s: %s', (scopes, resources, topic, allowed) => {
    const grant = { scopes: [...scopes], resources: resources as ApiToken['resources'] };
    expect(mayProduceTo(grant, topic)).toBe(allowed);
    expect(tokenPrincipal(token([...scopes], grant.resources), 'u').mayProduce(topic)).toBe(allowed);
  });

  it('only admin tokens administer', () => {
    expect(tokenPrincipal(token(['admin']), 'u').mayAdmin()).toBe(true);
    expect(tokenPrincipal(token(['collections:write', 'sinks:write']), 'u').mayAdmin()).toBe(false);
  });

  it('BrokerAccess: the internal credential passes at once; tokens only once bound; a 401 refuses', async () => {
    const access = new BrokerAccess(true);
    expect(access.sasl.required).toBe(true);
    const { username, password } = access.internalCredential;
    expect(password).toMatch(/^[\x21-\x7e]{32,256}$/);
    const internal = await access.authenticate('anyone', password);
    expect(internal?.mayAdmin()).toBe(true);
    expect(await access.authenticate(username, `${password}x`)).toBeNull();
    const secret = 'intake_' + 'A'.repeat(43);
    expect(await access.authenticate('u', secret)).toBeNull(); // not bound yet
    const tokens = {
      authenticate: async (s: string) => {
        if (s === secret) return token(['collections:write'], { collections: ['docs'] });
        throw Errors.unauthorized('the bearer token is unknown');
      },
    };
    access.bind(tokens as never);
    const p = await access.authenticate('u', secret);
    expect([p?.mayProduce('intake.collection.docs'), p?.mayProduce('intake.collection.other'), p?.mayAdmin()]).toEqual([true, false, false]);
    expect(await access.authenticate('u', 'intake_' + 'B'.repeat(43))).toBeNull();
    expect(await access.authenticate('u', 'short')).toBeNull();
    // Another failure (the database) is not a refusal: it propagates, and the broker logs it.
    access.bind({ authenticate: async () => Promise.reject(new Error('db down')) } as never);
    await expect(access.authenticate('u', secret)).rejects.toThrow('db down');
  });
});

describe('config: INTAKE_BROKER_HOST / INTAKE_BROKER_SASL', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig, ConfigError } = require('../../src/config/config') as typeof import('../../src/config/config');
  it('defaults to loopback with SASL optional; any other host requires it, and optional there is refused', () => {
    expect(loadConfig({})).toMatchObject({ brokerHost: '127.0.0.1', brokerAdvertisedHost: '127.0.0.1', brokerSasl: 'optional' });
    expect(loadConfig({ INTAKE_BROKER_SASL: 'required' }).brokerSasl).toBe('required');
    expect(loadConfig({ INTAKE_BROKER_HOST: '0.0.0.0', INTAKE_BROKER_ADVERTISED_HOST: 'intake.local' })).toMatchObject({
      brokerHost: '0.0.0.0',
      brokerAdvertisedHost: 'intake.local',
      brokerSasl: 'required',
    });
    expect(() => loadConfig({ INTAKE_BROKER_HOST: '10.0.0.5', INTAKE_BROKER_SASL: 'optional' })).toThrow(ConfigError);
    expect(() => loadConfig({ INTAKE_BROKER_SASL: 'maybe' })).toThrow(/required' or 'optional/);
  });
});

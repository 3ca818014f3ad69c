// ACLs on the embedded broker: the store's Kafka semantics (matching, DENY over ALLOW,
// implied operations, persistence), the three ACL APIs on the wire against kafkajs's own
// encoders and decoders, and how the handlers enforce ACLs on SASL principals.
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
import { AclBinding, AclStore, OPERATION, PATTERN, PERMISSION, RESOURCE } from '../../src/broker/acls';
import { API_HANDLERS } from '../../src/broker/apis';
import { RequestContext } from '../../src/broker/apis/handler';
import { Cluster } from '../../src/broker/cluster';
import { resolveBrokerOptions } from '../../src/broker/config';
import { ErrorCode, KafkaError } from '../../src/broker/protocol/errors';
import { MESSAGES } from '../../src/broker/protocol/messages';
import { Message, decodeMessage, encodeMessage } from '../../src/broker/protocol/schema';
import { WireReader, WireWriter } from '../../src/broker/protocol/wire';
import { BrokerSasl, Principal, SaslSession } from '../../src/broker/sasl';
import { tempDir } from '../support/broker';

const KJS = 'kafkajs/src/protocol/requests';
const kreq = (api: string, v: number): any => require(`${KJS}/${api}/v${v}/request`);
const kres = (api: string, v: number): any => require(`${KJS}/${api}/v${v}/response`);

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

const acl = (over: Partial<AclBinding>): AclBinding => ({
  resourceType: RESOURCE.TOPIC,
  resourceName: 't',
  patternType: PATTERN.LITERAL,
  principal: 'User:bob',
  host: '*',
  operation: OPERATION.ALL,
  permission: PERMISSION.ALLOW,
  ...over,
});
const bob = { principal: 'User:bob', host: '10.0.0.1' };
const alice = { principal: 'User:alice', host: '10.0.0.1' };

describe('AclStore', () => {
  let dir: string;
  let store: AclStore;
  beforeEach(() => {
    dir = tempDir('acls');
    store = new AclStore(dir);
  });

  it('no ACL on a resource: everyone may (allow.everyone.if.no.acl.found); one ALLOW closes it to the others', () => {
    expect(store.authorize(bob, OPERATION.WRITE, RESOURCE.TOPIC, 't')).toBe(true);
    store.create([acl({ principal: 'User:alice' })]);
    expect(store.authorize(alice, OPERATION.WRITE, RESOURCE.TOPIC, 't')).toBe(true);
    expect(store.authorize(bob, OPERATION.WRITE, RESOURCE.TOPIC, 't')).toBe(false);
    expect(store.authorize(bob, OPERATION.WRITE, RESOURCE.TOPIC, 'other')).toBe(true);
    expect(store.authorize(bob, OPERATION.READ, RESOURCE.GROUP, 't')).toBe(true); // another resource type
  });

  it('DENY wins over ALLOW; User:* and host * match everyone; a host ACL matches only that address', () => {
    store.create([acl({ principal: 'User:*' }), acl({ operation: OPERATION.WRITE, permission: PERMISSION.DENY })]);
    expect(store.authorize(bob, OPERATION.READ, RESOURCE.TOPIC, 't')).toBe(true);
    expect(store.authorize(bob, OPERATION.WRITE, RESOURCE.TOPIC, 't')).toBe(false);
    expect(store.authorize(alice, OPERATION.WRITE, RESOURCE.TOPIC, 't')).toBe(true);
    store.create([acl({ principal: 'User:alice', host: '10.0.0.9', permission: PERMISSION.DENY, resourceName: 'u' }), acl({ principal: 'User:*', resourceName: 'u' })]);
    expect(store.authorize(alice, OPERATION.READ, RESOURCE.TOPIC, 'u')).toBe(true);
    expect(store.authorize({ principal: 'User:alice', host: '10.0.0.9' }, OPERATION.READ, RESOURCE.TOPIC, 'u')).toBe(false);
  });

  it('READ / WRITE / DELETE / ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS, nothing else is implied', () => {
    store.create([acl({ operation: OPERATION.WRITE }), acl({ operation: OPERATION.ALTER_CONFIGS })]);
    expect(store.authorize(bob, OPERATION.DESCRIBE, RESOURCE.TOPIC, 't')).toBe(true);
    expect(store.authorize(bob, OPERATION.DESCRIBE_CONFIGS, RESOURCE.TOPIC, 't')).toBe(true);
    expect(store.authorize(bob, OPERATION.READ, RESOURCE.TOPIC, 't')).toBe(false);
    expect(store.authorize(bob, OPERATION.DELETE, RESOURCE.TOPIC, 't')).toBe(false);
  });

  it('PREFIXED and the literal * name cover every matching resource of their type', () => {
    store.create([acl({ resourceName: 'logs.', patternType: PATTERN.PREFIXED, permission: PERMISSION.DENY }), acl({ resourceName: '*' })]);
    expect(store.authorize(bob, OPERATION.READ, RESOURCE.TOPIC, 'logs.app')).toBe(false);
    expect(store.authorize(bob, OPERATION.READ, RESOURCE.TOPIC, 'metrics')).toBe(true);
    expect(store.authorize(alice, OPERATION.READ, RESOURCE.TOPIC, 'metrics')).toBe(false);
  });

  it('filters: null and ANY match anything, MATCH selects what would apply to a name; delete removes and persists', () => {
    store.create([acl({}), acl({ resourceName: 'a', patternType: PATTERN.PREFIXED }), acl({ resourceName: '*', principal: 'User:alice' })]);
    const any = { resourceType: RESOURCE.ANY, resourceName: null, patternType: PATTERN.ANY, principal: null, host: null, operation: OPERATION.ANY, permission: PERMISSION.ANY };
    expect(store.describe(any)).toHaveLength(3);
    expect(store.describe({ ...any, patternType: PATTERN.MATCH, resourceName: 'abc' }).map((b) => b.resourceName).sort()).toEqual(['*', 'a']);
    expect(store.describe({ ...any, patternType: PATTERN.LITERAL, resourceName: 't' })).toEqual([acl({})]);
    expect(store.describe({ ...any, principal: 'User:alice' })).toHaveLength(1);
    expect(store.delete({ ...any, principal: 'User:bob' })).toHaveLength(2);
    const reopened = new AclStore(dir);
    expect(reopened.describe(any)).toEqual([acl({ resourceName: '*', principal: 'User:alice' })]);
  });

  it('creating the same binding twice keeps one', () => {
    store.create([acl({}), acl({})]);
    store.create([acl({})]);
    expect(store.size).toBe(1);
  });

  it.each([
    ['resource type ANY', { resourceType: RESOURCE.ANY }, /resource type/],
    ['pattern MATCH', { patternType: PATTERN.MATCH }, /pattern type/],
    ['operation ANY', { operation: OPERATION.ANY }, /operation/],
    ['permission ANY', { permission: PERMISSION.ANY }, /permission/],
    ['a principal without a type', { principal: 'bob' }, /Type:name/],
    ['a cluster other than kafka-cluster', { resourceType: RESOURCE.CLUSTER, resourceName: 'c' }, /kafka-cluster/],
  ])('refuses %s with INVALID_REQUEST', (_what, over, message) => {
    let thrown: unknown;
    try {
      store.create([acl(over)]);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(KafkaError);
    expect((thrown as KafkaError).code).toBe(ErrorCode.INVALID_REQUEST);
    expect((thrown as KafkaError).message).toMatch(message);
    expect(store.size).toBe(0);
  });
});

describe('ACL APIs on the wire (kafkajs 2.2.4 encoders and decoders)', () => {
  it.each([0, 1])('CreateAcls v%d request decodes; our response decodes with kafkajs', async (v) => {
    const entry = { resourceType: 2, resourceName: 't', resourcePatternType: 4, principal: 'User:bob', host: '*', operation: 4, permissionType: 3 };
    const req = kreq('createAcls', v)({ creations: [entry] });
    expect(decode(30, 'request', v, Buffer.from((await req.encode()).buffer))).toEqual({
      creations: [{ resource_type: 2, resource_name: 't', resource_pattern_type: v === 0 ? 3 : 4, principal: 'User:bob', host: '*', operation: 4, permission_type: 3 }],
    });
    const res = kres('createAcls', v);
    const d = await res.decode(encode(30, 'response', v, { throttle_time_ms: 0, results: [{ error_code: 0, error_message: null }] }));
    expect(d.creationResponses).toEqual([{ errorCode: 0, errorMessage: null }]);
    await res.parse(d);
  });

  it.each([0, 1])('DescribeAcls v%d filter decodes; our grouped answer decodes with kafkajs', async (v) => {
    const req = kreq('describeAcls', v)({ resourceType: 2, resourceName: null, resourcePatternType: 1, principal: 'User:bob', host: null, operation: 1, permissionType: 1 });
    expect(decode(29, 'request', v, Buffer.from((await req.encode()).buffer))).toEqual({
      resource_type_filter: 2,
      resource_name_filter: null,
      pattern_type_filter: v === 0 ? 3 : 1,
      principal_filter: 'User:bob',
      host_filter: null,
      operation: 1,
      permission_type: 1,
    });
    const body = { throttle_time_ms: 0, error_code: 0, error_message: null, resources: [{ resource_type: 2, resource_name: 't', pattern_type: 3, acls: [{ principal: 'User:bob', host: '*', operation: 2, permission_type: 3 }] }] };
    const d = await kres('describeAcls', v).decode(encode(29, 'response', v, body));
    expect(d.resources[0]).toMatchObject({ resourceType: 2, resourceName: 't', acls: [{ principal: 'User:bob', host: '*', operation: 2, permissionType: 3 }] });
  });

  it('DeleteAcls v1 filters decode; matching ACLs decode with kafkajs', async () => {
    const req = kreq('deleteAcls', 1)({ filters: [{ resourceType: 1, resourceName: null, resourcePatternType: 1, principal: null, host: null, operation: 1, permissionType: 1 }] });
    expect(decode(31, 'request', 1, Buffer.from((await req.encode()).buffer)).filters).toHaveLength(1);
    const matching = { error_code: 0, error_message: null, resource_type: 2, resource_name: 't', pattern_type: 3, principal: 'User:bob', host: '*', operation: 4, permission_type: 2 };
    const d = await kres('deleteAcls', 1).decode(encode(31, 'response', 1, { throttle_time_ms: 0, filter_results: [{ error_code: 0, error_message: null, matching_acls: [matching] }] }));
    expect(d.filterResponses[0].matchingAcls[0]).toMatchObject({ resourceName: 't', principal: 'User:bob', operation: 4, permissionType: 2 });
  });
});

describe('handlers enforce ACLs on SASL principals', () => {
  let cluster: Cluster;
  const ADMIN: Principal = { name: 'admin', mayProduce: () => true, mayAdmin: () => true };
  const WRITER: Principal = { name: 'writer', mayProduce: () => true, mayAdmin: () => false };

  beforeEach(() => {
    cluster = new Cluster(resolveBrokerOptions({ dataDir: tempDir('acl-apis'), port: 0 }));
    cluster.createTopic('t', 1, []);
  });
  afterEach(() => cluster.close());

  async function sessionAs(username: string, principal: Principal | null): Promise<SaslSession> {
    const sasl: BrokerSasl = { required: false, authenticate: async () => principal };
    const s = new SaslSession(sasl, () => undefined, '::ffff:127.0.0.1');
    if (principal) {
      s.handshake('PLAIN', 1);
      await s.authenticate(Buffer.from(`\u0000${username}\u0000pw`));
    }
    return s;
  }
  const call = async (apiKey: number, version: number, request: Message, sasl: SaslSession): Promise<Message> => {
    const handler = API_HANDLERS.find((h) => h.apiKey === apiKey)!;
    const context: RequestContext = { version, clientId: 'unit', clientHost: '127.0.0.1', connectionId: 1, cluster, sasl, supportedVersions: () => [] };
    return (await handler.handle(request, context)) as Message;
  };
  const produce = (s: SaslSession, topic: string) =>
    call(0, 7, { acks: -1, timeout_ms: 1000, transactional_id: null, topic_data: [{ name: topic, partition_data: [{ index: 0, records: null }] }] }, s);
  const denyBobAll = { resource_type: 2, resource_name: 't', resource_pattern_type: 3, principal: 'User:bob', host: '*', operation: OPERATION.ALL, permission_type: PERMISSION.DENY };

  it('CreateAcls by an administrator; a DENY for User:bob refuses Produce, Fetch, Metadata, ListOffsets and DeleteTopics', async () => {
    const admin = await sessionAs('test', ADMIN);
    expect(await call(30, 1, { creations: [denyBobAll] }, admin)).toEqual({ throttle_time_ms: 0, results: [{ error_code: 0, error_message: null }] });
    const s = await sessionAs('bob', ADMIN);
    expect((await produce(s, 't')).responses[0].partition_responses[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    const fetched = await call(1, 11, { max_wait_ms: 0, min_bytes: 0, max_bytes: 1024, topics: [{ topic: 't', partitions: [{ partition: 0, fetch_offset: 0n, partition_max_bytes: 1024 }] }] }, s);
    expect(fetched.responses[0].partitions[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await call(3, 6, { topics: [{ name: 't' }], allow_auto_topic_creation: false }, s)).topics[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect((await call(3, 6, { topics: null, allow_auto_topic_creation: false }, s)).topics).toEqual([]); // left out of "all topics"
    expect((await call(2, 3, { replica_id: -1, isolation_level: 0, topics: [{ name: 't', partitions: [{ partition_index: 0, timestamp: -1n }] }] }, s)).topics[0].partitions[0].error_code).toBe(
      ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    );
    expect((await call(20, 3, { topic_names: ['t'], timeout_ms: 1000 }, s)).responses[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(cluster.topics.has('t')).toBe(true);
    // Another principal, with no ACL naming it on a topic that now has ACLs: not allowed either (Kafka).
    const carol = await sessionAs('carol', ADMIN);
    expect((await produce(carol, 't')).responses[0].partition_responses[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('ACLs narrow the principal, never widen it: an ALLOW WRITE does not let a topic-less principal produce', async () => {
    const admin = await sessionAs('test', ADMIN);
    await call(30, 1, { creations: [{ ...denyBobAll, resource_name: 'a', operation: OPERATION.WRITE, permission_type: PERMISSION.ALLOW }] }, admin);
    cluster.createTopic('a', 1, []);
    const onlyB: Principal = { name: 'b-writer', mayProduce: (t) => t === 'b', mayAdmin: () => false };
    const s = await sessionAs('bob', onlyB);
    expect((await produce(s, 'a')).responses[0].partition_responses[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('unauthenticated connections and super users are not subject to ACLs; aclPrincipal replaces the username', async () => {
    const admin = await sessionAs('test', ADMIN);
    await call(30, 1, { creations: [{ ...denyBobAll, principal: 'User:*' }] }, admin);
    const anonymous = await sessionAs('', null);
    expect((await call(3, 6, { topics: [{ name: 't' }], allow_auto_topic_creation: false }, anonymous)).topics[0].error_code).toBe(0);
    const superUser = await sessionAs('bob', { ...ADMIN, superUser: true });
    expect((await call(3, 6, { topics: [{ name: 't' }], allow_auto_topic_creation: false }, superUser)).topics[0].error_code).toBe(0);
    await call(31, 1, { filters: [{ resource_type_filter: 1, resource_name_filter: null, pattern_type_filter: 1, principal_filter: null, host_filter: null, operation: 1, permission_type: 1 }] }, admin);
    await call(30, 1, { creations: [{ ...denyBobAll, principal: 'User:token-7', permission_type: PERMISSION.ALLOW }] }, admin);
    const token = await sessionAs('bob', { ...ADMIN, aclPrincipal: 'User:token-7' });
    expect((await call(3, 6, { topics: [{ name: 't' }], allow_auto_topic_creation: false }, token)).topics[0].error_code).toBe(0);
    const plainBob = await sessionAs('bob', ADMIN);
    expect((await call(3, 6, { topics: [{ name: 't' }], allow_auto_topic_creation: false }, plainBob)).topics[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });

  it('groups: a DENY on the group refuses JoinGroup, Heartbeat, OffsetCommit, OffsetFetch, DescribeGroups and FindCoordinator; a denied topic is not committed', async () => {
    const admin = await sessionAs('test', ADMIN);
    const denyGroup = { ...denyBobAll, resource_type: RESOURCE.GROUP, resource_name: 'g' };
    const denyTopicRead = { ...denyBobAll, operation: OPERATION.READ };
    expect((await call(30, 1, { creations: [denyGroup, denyTopicRead] }, admin)).results.map((r: Message) => r.error_code)).toEqual([0, 0]);
    const s = await sessionAs('bob', ADMIN);
    const join = await call(11, 5, { group_id: 'g', session_timeout_ms: 10_000, rebalance_timeout_ms: 10_000, member_id: '', group_instance_id: null, protocol_type: 'consumer', protocols: [] }, s);
    expect(join.error_code).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect((await call(12, 3, { group_id: 'g', generation_id: 1, member_id: 'm', group_instance_id: null }, s)).error_code).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect((await call(10, 2, { key: 'g', key_type: 0 }, s)).error_code).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect((await call(15, 4, { groups: ['g'], include_authorized_operations: false }, s)).groups[0].error_code).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const commit = (group: string) =>
      call(8, 7, { group_id: group, generation_id_or_member_epoch: -1, member_id: '', group_instance_id: null, topics: [{ name: 't', partitions: [{ partition_index: 0, committed_offset: 5n, committed_leader_epoch: -1, committed_metadata: null }] }] }, s);
    expect((await commit('g')).topics[0].partitions[0].error_code).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    // Another group is open, but topic t denies bob READ: nothing is committed for it.
    expect((await commit('h')).topics[0].partitions[0].error_code).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(cluster.groups.fetchOffsets('h', null)).toEqual([]);
    const fetched = await call(9, 5, { group_id: 'g', topics: [{ name: 't', partition_indexes: [0] }], require_stable: false }, s);
    expect(fetched.error_code).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    // Unauthenticated: not subject to ACLs.
    expect((await call(10, 2, { key: 'g', key_type: 0 }, await sessionAs('', null))).error_code).toBe(0);
  });

  it('transactional ids: a DENY refuses FindCoordinator, InitProducerId and EndTxn with TRANSACTIONAL_ID_AUTHORIZATION_FAILED; a token-less id is open', async () => {
    const admin = await sessionAs('test', ADMIN);
    await call(30, 1, { creations: [{ ...denyBobAll, resource_type: RESOURCE.TRANSACTIONAL_ID, resource_name: 'tx-' , resource_pattern_type: 4 }] }, admin);
    const bob = await sessionAs('bob', WRITER); // may write topics, may not administer
    expect((await call(10, 2, { key: 'tx-1', key_type: 1 }, bob)).error_code).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await call(22, 1, { transactional_id: 'tx-1', transaction_timeout_ms: 60_000 }, bob)).error_code).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await call(26, 1, { transactional_id: 'tx-1', producer_id: 1n, producer_epoch: 0, committed: true }, bob)).error_code).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    // Another id: the principal's own rights do not cover transactional ids, only ACLs narrow them.
    expect((await call(22, 1, { transactional_id: 'other', transaction_timeout_ms: 60_000 }, bob)).error_code).toBe(0);
  });

  it('a principal that may not administer cannot create, describe or delete ACLs: CLUSTER_AUTHORIZATION_FAILED', async () => {
    const s = await sessionAs('w', WRITER);
    expect((await call(30, 1, { creations: [denyBobAll] }, s)).results[0].error_code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const filter = { resource_type_filter: 1, resource_name_filter: null, pattern_type_filter: 1, principal_filter: null, host_filter: null, operation: 1, permission_type: 1 };
    expect((await call(29, 1, filter, s)).error_code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await call(31, 1, { filters: [filter] }, s)).filter_results[0].error_code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect(cluster.acls.size).toBe(0);
  });

  it('an invalid entry is INVALID_REQUEST on its own; the valid ones in the same request are created', async () => {
    const s = await sessionAs('test', ADMIN);
    const res = await call(30, 1, { creations: [{ ...denyBobAll, operation: OPERATION.ANY }, denyBobAll] }, s);
    expect(res.results.map((r: Message) => r.error_code)).toEqual([ErrorCode.INVALID_REQUEST, 0]);
    expect(cluster.acls.size).toBe(1);
  });
});

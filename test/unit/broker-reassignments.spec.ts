// AlterPartitionReassignments (45) and ListPartitionReassignments (46) on one node: kafkajs
// 2.2.4's encoders against our decoders (both APIs are flexible from v0), and the answers a
// single-replica cluster gives.
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
import { API_HANDLERS } from '../../src/broker/apis';
import { RequestContext } from '../../src/broker/apis/handler';
import { Cluster } from '../../src/broker/cluster';
import { resolveBrokerOptions } from '../../src/broker/config';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { MESSAGES } from '../../src/broker/protocol/messages';
import { Message, decodeMessage, encodeMessage } from '../../src/broker/protocol/schema';
import { WireReader, WireWriter } from '../../src/broker/protocol/wire';
import { Principal, SaslSession } from '../../src/broker/sasl';
import { tempDir } from '../support/broker';

const KJS = 'kafkajs/src/protocol/requests';

/** A request body as kafkajs writes it, minus the request header's tagged fields (the server skips those). */
async function kafkajsBody(api: string, args: object): Promise<WireReader> {
  const req = require(`${KJS}/${api}/v0/request`)(args);
  const r = new WireReader(Buffer.from((await req.encode()).buffer));
  expect(r.uvarint()).toBe(0);
  return r;
}
/** Our response body as the client sees it after the flexible response header's correlation id. */
function responseBytes(apiKey: number, body: Message): Buffer {
  const w = new WireWriter(64);
  w.uvarint(0); // response header v1 tagged fields, which kafkajs's decoder reads first
  encodeMessage(MESSAGES[apiKey].response, 0, body, w);
  return Buffer.from(w.toBuffer());
}

describe('partition reassignment APIs', () => {
  let cluster: Cluster;
  beforeEach(() => {
    cluster = new Cluster(resolveBrokerOptions({ dataDir: tempDir('reassign'), port: 0 }));
    cluster.createTopic('t', 2, []);
  });
  afterEach(() => cluster.close());

  const call = async (apiKey: number, request: Message, sasl = new SaslSession(null, () => undefined)): Promise<Message> => {
    const handler = API_HANDLERS.find((h) => h.apiKey === apiKey)!;
    const context: RequestContext = { version: 0, clientId: 'unit', clientHost: '127.0.0.1', connectionId: 1, cluster, sasl, supportedVersions: () => [] };
    return (await handler.handle(request, context)) as Message;
  };

  it('kafkajs AlterPartitionReassignments v0 decodes; to node 0 is a no-op success, other brokers and missing partitions are errors kafkajs reports', async () => {
    const r = await kafkajsBody('alterPartitionReassignments', {
      topics: [{ topic: 't', partitionAssignment: [{ partition: 0, replicas: [0] }, { partition: 1, replicas: [5, 1] }, { partition: 7, replicas: [0] }] }],
      timeout: 5000,
    });
    const request = decodeMessage(MESSAGES[45].request, 0, r);
    expect(r.remaining).toBe(0);
    expect(request).toEqual({
      timeout_ms: 5000,
      topics: [{ name: 't', partitions: [{ partition_index: 0, replicas: [0] }, { partition_index: 1, replicas: [5, 1] }, { partition_index: 7, replicas: [0] }] }],
    });
    const answer = await call(45, request);
    expect(answer.error_code).toBe(0);
    expect(answer.responses[0].partitions.map((p: Message) => p.error_code)).toEqual([
      ErrorCode.NONE,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    ]);
    const res = require(`${KJS}/alterPartitionReassignments/v0/response`);
    const decoded = await res.decode(responseBytes(45, answer));
    expect(decoded.responses[0].partitions.map((p: any) => [p.partition, p.errorCode])).toEqual([[0, 0], [1, 39], [7, 3]]);
    await expect(res.parse(decoded)).rejects.toMatchObject({ message: 'Errors altering partition reassignments' });
    const ok = await res.decode(responseBytes(45, await call(45, { timeout_ms: 1, topics: [{ name: 't', partitions: [{ partition_index: 1, replicas: [0] }] }] })));
    await expect(res.parse(ok)).resolves.toBeDefined();
  });

  it('an empty or repeated replica list is INVALID_REPLICA_ASSIGNMENT; cancelling (null) is NO_REASSIGNMENT_IN_PROGRESS', async () => {
    const answer = await call(45, {
      timeout_ms: 1,
      topics: [{ name: 't', partitions: [{ partition_index: 0, replicas: [] }, { partition_index: 0, replicas: [0, 0] }, { partition_index: 1, replicas: null }] }],
    });
    expect(answer.responses[0].partitions.map((p: Message) => p.error_code)).toEqual([
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      ErrorCode.NO_REASSIGNMENT_IN_PROGRESS,
    ]);
    // null replicas survive the flexible codec (compact array length 0 = null)
    const w = new WireWriter(16);
    encodeMessage(MESSAGES[45].request, 0, { timeout_ms: 1, topics: [{ name: 't', partitions: [{ partition_index: 1, replicas: null }] }] }, w);
    expect(decodeMessage(MESSAGES[45].request, 0, new WireReader(w.toBuffer())).topics[0].partitions[0].replicas).toBeNull();
  });

  it('kafkajs ListPartitionReassignments v0 (null or named topics) decodes; nothing is ever in progress', async () => {
    for (const topics of [null, [{ topic: 't', partitions: [0, 1] }]]) {
      const r = await kafkajsBody('listPartitionReassignments', { topics, timeout: 5000 });
      const request = decodeMessage(MESSAGES[46].request, 0, r);
      expect(r.remaining).toBe(0);
      expect(request.topics).toEqual(topics === null ? null : [{ name: 't', partition_indexes: [0, 1] }]);
      const answer = await call(46, request);
      expect(answer).toEqual({ throttle_time_ms: 0, error_code: 0, error_message: null, topics: [] });
      const res = require(`${KJS}/listPartitionReassignments/v0/response`);
      expect(await res.parse(await res.decode(responseBytes(46, answer)))).toMatchObject({ errorCode: 0, topics: [] });
    }
  });

  it('a SASL principal that may not administer gets CLUSTER_AUTHORIZATION_FAILED from both', async () => {
    const writer: Principal = { name: 'w', mayProduce: () => true, mayAdmin: () => false };
    const s = new SaslSession({ required: false, authenticate: async () => writer }, () => undefined);
    s.handshake('PLAIN', 1);
    await s.authenticate(Buffer.from('\u0000w\u0000pw'));
    expect((await call(45, { timeout_ms: 1, topics: [] }, s)).error_code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await call(46, { timeout_ms: 1, topics: null }, s)).error_code).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });
});

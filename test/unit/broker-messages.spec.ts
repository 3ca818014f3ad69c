// Message specs in src/broker/protocol/messages: every registered API is
// round-tripped at every version it serves, then cross-checked against the
// bytes kafkajs's own protocol encoders send and the decoders it parses with.
/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */

import { MESSAGES } from '../../src/broker/protocol/messages';
import {
  FieldSpec,
  Message,
  MessageSpec,
  decodeMessage,
  encodeMessage,
  inVersions,
  parseVersions,
} from '../../src/broker/protocol/schema';
import { WireReader, WireWriter } from '../../src/broker/protocol/wire';

const KJS = 'kafkajs/src/protocol';
const kreq = (api: string, v: number): any => require(`${KJS}/requests/${api}/v${v}/request`);
const kres = (api: string, v: number): any => require(`${KJS}/requests/${api}/v${v}/response`);
const KDecoder: any = require(`${KJS}/decoder`);
const { RecordBatch }: any = require(`${KJS}/recordBatch/v0`);
const KRecord: any = require(`${KJS}/recordBatch/record/v0`);
const decodeKafkaJsBatch: any = require(`${KJS}/recordBatch/v0/decoder`);

// ---------------------------------------------------------------- helpers

function versionsOf(spec: MessageSpec): number[] {
  const { min, max } = parseVersions(spec.validVersions);
  const out: number[] = [];
  for (let v = min; v <= max; v++) out.push(v);
  return out;
}

function encode(spec: MessageSpec, version: number, value: Message): Buffer {
  const w = new WireWriter(16);
  encodeMessage(spec, version, value, w);
  return Buffer.from(w.toBuffer());
}

/** Decodes and insists that the body was consumed exactly. */
function decode(spec: MessageSpec, version: number, bytes: Buffer): Message {
  const r = new WireReader(bytes);
  const out = decodeMessage(spec, version, r);
  expect(r.remaining).toBe(0);
  return out;
}

/** Builds a value with every field present at `version` set to a non-default value. */
function sample(fields: FieldSpec[], version: number, withNulls: boolean, counter = { n: 0 }): Message {
  const out: Message = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    if (withNulls && inVersions(f.nullableVersions, version)) {
      out[f.name] = null;
      continue;
    }
    const one = (): unknown => {
      if (Array.isArray(f.type)) return sample(f.type, version, withNulls, counter);
      const n = ++counter.n;
      switch (f.type) {
        case 'int8':
          return (n % 100) + 1;
        case 'int16':
          return 100 + n;
        case 'uint16':
          return 40000 + n;
        case 'int32':
          return 1000 * n + 7;
        case 'uint32':
          return 3_000_000_000 + n;
        case 'int64':
          return 10_000_000_000n * BigInt(n) + 3n; // beyond 32 bits on purpose
        case 'float64':
          return n + 0.5;
        case 'bool':
          return f.default !== true; // never the default
        case 'string':
          return `x${n}`;
        case 'bytes':
        case 'records':
          return Buffer.from([1, 2, n & 0xff]);
        case 'uuid':
          return Buffer.alloc(16, n);
      }
    };
    out[f.name] = f.array ? [one()] : one();
  }
  return out;
}

/** Keeps only the fields present at `version` (recursively). */
function project(fields: FieldSpec[], version: number, value: Message): Message {
  const out: Message = {};
  for (const f of fields) {
    if (!inVersions(f.versions, version)) continue;
    const v = value[f.name];
    if (Array.isArray(f.type) && v !== null && v !== undefined) {
      const sub = f.type;
      out[f.name] = f.array ? (v as Message[]).map((e) => project(sub, version, e)) : project(sub, version, v);
    } else out[f.name] = v;
  }
  return out;
}

/** Fields absent at `version` must decode to their declared default. */
function expectAbsentDefaults(fields: FieldSpec[], version: number, value: Message, path: string): void {
  for (const f of fields) {
    const v = value[f.name];
    if (!inVersions(f.versions, version)) {
      if (f.default !== undefined) expect({ at: `${path}.${f.name}`, v }).toEqual({ at: `${path}.${f.name}`, v: f.default });
      continue;
    }
    if (Array.isArray(f.type) && v) {
      const elems = f.array ? (v as Message[]) : [v as Message];
      for (const e of elems) expectAbsentDefaults(f.type, version, e, `${path}.${f.name}`);
    }
  }
}

const roundTripCases: Array<[string, number, MessageSpec]> = [];
for (const key of Object.keys(MESSAGES).map(Number)) {
  for (const spec of [MESSAGES[key].request, MESSAGES[key].response]) {
    for (const v of versionsOf(spec)) roundTripCases.push([spec.name, v, spec]);
  }
}

// ---------------------------------------------------------------- wire writer growth

describe('WireWriter growth', () => {
  it('keeps every write that triggers a reallocation (regression)', () => {
    for (const start of [0, 1, 2, 3]) {
      const w = new WireWriter(start);
      w.int8(-5).int16(-300).uint16(65000).int32(-70000).uint32(4_000_000_000).int64(-(2n ** 40n)).float64(1.25);
      w.raw(Buffer.from('abc')).uvarint(300).varint(-3).varlong(-(2n ** 50n)).nullableString('hé').nullableBytes(Buffer.from([9]));
      const r = new WireReader(w.toBuffer());
      expect([r.int8(), r.int16(), r.uint16(), r.int32(), r.uint32(), r.int64(), r.float64()]).toEqual([
        -5, -300, 65000, -70000, 4_000_000_000, -(2n ** 40n), 1.25,
      ]);
      expect(r.raw(3).toString()).toBe('abc');
      expect([r.uvarint(), r.varint(), r.varlong(), r.nullableString(), r.nullableBytes()]).toEqual([
        300, -3, -(2n ** 50n), 'hé', Buffer.from([9]),
      ]);
      expect(r.remaining).toBe(0);
    }
  });
});

// ---------------------------------------------------------------- registry

describe('message registry', () => {
  it('holds every served API under its own key, request and response alike', () => {
    expect(Object.keys(MESSAGES).map(Number).sort((a, b) => a - b)).toEqual([
      0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 24, 25, 26, 28, 29, 30, 31, 32, 33, 36, 37, 42, 45, 46,
    ]);
    for (const [key, { request, response }] of Object.entries(MESSAGES)) {
      expect(request.apiKey).toBe(Number(key));
      expect(response.apiKey).toBe(Number(key));
      expect(request.validVersions).toBe(response.validVersions);
      expect(request.flexibleVersions).toBe(response.flexibleVersions);
    }
  });

  it('declares int64 defaults as bigint so decoded values have one type', () => {
    const walk = (fields: FieldSpec[]): void => {
      for (const f of fields) {
        if (f.type === 'int64' && f.default !== undefined) expect(typeof f.default).toBe('bigint');
        if (Array.isArray(f.type)) walk(f.type);
      }
    };
    for (const { request, response } of Object.values(MESSAGES)) {
      walk(request.fields);
      walk(response.fields);
    }
  });
});

// ---------------------------------------------------------------- round trips

describe('round trip at every served version', () => {
  it.each(roundTripCases)('%s v%d', (_name, version, spec) => {
    for (const withNulls of [false, true]) {
      const value = sample(spec.fields, version, withNulls);
      const bytes = encode(spec, version, value);
      const back = decode(spec, version, bytes);
      expect(project(spec.fields, version, back)).toEqual(value);
      expectAbsentDefaults(spec.fields, version, back, spec.name);
      // re-encoding the decoded value reproduces the bytes
      expect(encode(spec, version, back)).toEqual(bytes);
    }
  });

  it.each(roundTripCases)('%s v%d: an empty value encodes to a decodable body', (_name, version, spec) => {
    const bytes = encode(spec, version, {});
    const back = decode(spec, version, bytes);
    expectAbsentDefaults(spec.fields, version, back, spec.name);
  });
});

// ---------------------------------------------------------------- kafkajs requests → our decoder

async function kafkajsBody(req: any): Promise<Buffer> {
  return Buffer.from((await req.encode()).buffer);
}

function ourRequest(apiKey: number): MessageSpec {
  return MESSAGES[apiKey].request;
}
function ourResponse(apiKey: number): MessageSpec {
  return MESSAGES[apiKey].response;
}

async function decodeKafkaJsRequest(req: any): Promise<Message> {
  const spec = ourRequest(req.apiKey);
  expect(inVersions(spec.validVersions, req.apiVersion)).toBe(true);
  return decode(spec, req.apiVersion, await kafkajsBody(req));
}

async function realBatch(messages: Array<{ key: string; value: string; timestamp: number; headers?: any }>): Promise<Buffer> {
  const first = messages[0].timestamp;
  const batch = await RecordBatch({
    firstTimestamp: first,
    maxTimestamp: messages[messages.length - 1].timestamp,
    lastOffsetDelta: messages.length - 1,
    records: messages.map((m, i) => KRecord({ ...m, offsetDelta: i, timestampDelta: m.timestamp - first })),
  });
  return Buffer.from(batch.buffer);
}

describe('kafkajs request encoders decode with our request specs', () => {
  it('Produce v7 with a real record batch', async () => {
    const req = kreq('produce', 7)({
      acks: -1,
      timeout: 30000,
      transactionalId: null,
      topicData: [
        {
          topic: 'orders',
          partitions: [
            {
              partition: 3,
              firstSequence: 0,
              messages: [
                { key: 'k1', value: 'v1', timestamp: 1_700_000_000_000, headers: { h: 'hv' } },
                { key: 'k2', value: 'v2', timestamp: 1_700_000_000_005 },
              ],
            },
          ],
        },
      ],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m.transactional_id).toBeNull();
    expect(m.acks).toBe(-1);
    expect(m.timeout_ms).toBe(30000);
    expect(m.topic_data).toHaveLength(1);
    expect(m.topic_data[0].name).toBe('orders');
    expect(m.topic_data[0].partition_data[0].index).toBe(3);
    const records: Buffer = m.topic_data[0].partition_data[0].records;
    expect(Buffer.isBuffer(records)).toBe(true);
    expect(records.readInt8(16)).toBe(2); // magic v2 record batch
    const batch = await decodeKafkaJsBatch(new KDecoder(records));
    expect(batch.records.map((r: any) => [r.key.toString(), r.value.toString()])).toEqual([
      ['k1', 'v1'],
      ['k2', 'v2'],
    ]);
    expect(batch.records[0].headers.h.toString()).toBe('hv');
  });

  it('Produce v3 with a transactional id', async () => {
    const req = kreq('produce', 3)({
      acks: 1,
      timeout: 1000,
      transactionalId: 'tx-1',
      topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: 'x', timestamp: 1 }] }] }],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m.transactional_id).toBe('tx-1');
    expect(m.acks).toBe(1);
    expect(m.topic_data[0].partition_data[0].records.length).toBeGreaterThan(61);
  });

  it('Fetch v11', async () => {
    const req = kreq('fetch', 11)({
      replicaId: -1,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      rackId: 'rack-a',
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, fetchOffset: '12345678901', maxBytes: 1048576 },
            { partition: 1, fetchOffset: '0', maxBytes: 2048, currentLeaderEpoch: 4 },
          ],
        },
      ],
      forgottenTopics: [{ topic: 'gone', partitions: [5, 6] }],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m).toMatchObject({
      replica_id: -1,
      max_wait_ms: 500,
      min_bytes: 1,
      max_bytes: 52428800,
      isolation_level: 0,
      session_id: 0,
      session_epoch: -1,
      rack_id: 'rack-a',
      forgotten_topics_data: [{ topic: 'gone', partitions: [5, 6] }],
    });
    expect(m.topics).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, current_leader_epoch: -1, fetch_offset: 12345678901n, log_start_offset: -1n, partition_max_bytes: 1048576 },
          { partition: 1, current_leader_epoch: 4, fetch_offset: 0n, log_start_offset: -1n, partition_max_bytes: 2048 },
        ],
      },
    ]);
  });

  it('Fetch v4 (oldest served)', async () => {
    const req = kreq('fetch', 4)({
      replicaId: -1,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: 1000,
      isolationLevel: 1,
      topics: [{ topic: 'a', partitions: [{ partition: 2, fetchOffset: '7', maxBytes: 100 }] }],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m.isolation_level).toBe(1);
    expect(m.topics[0].partitions[0]).toMatchObject({ partition: 2, fetch_offset: 7n, partition_max_bytes: 100 });
    expect(m.session_epoch).toBe(-1); // absent before v7 → default
  });

  it('Metadata v6: named topics, and empty list sent as null (= all topics)', async () => {
    const named = await decodeKafkaJsRequest(kreq('metadata', 6)({ topics: ['a', 'b'], allowAutoTopicCreation: false }));
    expect(named).toEqual({ topics: [{ name: 'a' }, { name: 'b' }], allow_auto_topic_creation: false });
    const all = await decodeKafkaJsRequest(kreq('metadata', 6)({ topics: [] }));
    expect(all).toEqual({ topics: null, allow_auto_topic_creation: true });
  });

  it('Metadata v0: empty list (= all topics in v0)', async () => {
    const m = await decodeKafkaJsRequest(kreq('metadata', 0)({ topics: [] }));
    expect(m.topics).toEqual([]);
  });

  it('ListOffsets v3', async () => {
    const req = kreq('listOffsets', 3)({
      replicaId: -1,
      isolationLevel: 1,
      topics: [{ topic: 'orders', partitions: [{ partition: 0, timestamp: -2 }, { partition: 1, timestamp: '1700000000000' }] }],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m).toEqual({
      replica_id: -1,
      isolation_level: 1,
      topics: [
        {
          name: 'orders',
          partitions: [
            // v0's max_num_offsets is absent from v3 and decodes as its default
            { partition_index: 0, timestamp: -2n, max_num_offsets: 1 },
            { partition_index: 1, timestamp: 1700000000000n, max_num_offsets: 1 },
          ],
        },
      ],
    });
  });

  it('JoinGroup v5', async () => {
    const meta = Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x61]);
    const req = kreq('joinGroup', 5)({
      groupId: 'group-1',
      sessionTimeout: 30000,
      rebalanceTimeout: 60000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      groupProtocols: [{ name: 'RoundRobinAssigner', metadata: meta }],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m).toEqual({
      group_id: 'group-1',
      session_timeout_ms: 30000,
      rebalance_timeout_ms: 60000,
      member_id: '',
      group_instance_id: null,
      protocol_type: 'consumer',
      protocols: [{ name: 'RoundRobinAssigner', metadata: meta }],
    });
  });

  it('SyncGroup v3', async () => {
    const assignment = Buffer.from('assignment-bytes');
    const req = kreq('syncGroup', 3)({
      groupId: 'group-1',
      generationId: 3,
      memberId: 'member-1',
      groupInstanceId: 'static-1',
      groupAssignment: [{ memberId: 'member-1', memberAssignment: assignment }],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m).toEqual({
      group_id: 'group-1',
      generation_id: 3,
      member_id: 'member-1',
      group_instance_id: 'static-1',
      assignments: [{ member_id: 'member-1', assignment }],
    });
  });

  it('Heartbeat v3', async () => {
    const req = kreq('heartbeat', 3)({ groupId: 'group-1', groupGenerationId: 9, memberId: 'member-1', groupInstanceId: null });
    expect(await decodeKafkaJsRequest(req)).toEqual({
      group_id: 'group-1',
      generation_id: 9,
      member_id: 'member-1',
      group_instance_id: null,
    });
  });

  it('LeaveGroup v3', async () => {
    const req = kreq('leaveGroup', 3)({ groupId: 'group-1', members: [{ memberId: 'member-1', groupInstanceId: null }] });
    const m = await decodeKafkaJsRequest(req);
    expect(m.group_id).toBe('group-1');
    expect(m.members).toEqual([{ member_id: 'member-1', group_instance_id: null }]);
  });

  it('OffsetCommit v5', async () => {
    const req = kreq('offsetCommit', 5)({
      groupId: 'group-1',
      groupGenerationId: 4,
      memberId: 'member-1',
      topics: [{ topic: 'orders', partitions: [{ partition: 0, offset: '42' }, { partition: 1, offset: '9876543210', metadata: 'm' }] }],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m).toMatchObject({ group_id: 'group-1', generation_id_or_member_epoch: 4, member_id: 'member-1' });
    expect(m.topics).toEqual([
      {
        name: 'orders',
        partitions: [
          { partition_index: 0, committed_offset: 42n, committed_leader_epoch: -1, committed_metadata: null },
          { partition_index: 1, committed_offset: 9876543210n, committed_leader_epoch: -1, committed_metadata: 'm' },
        ],
      },
    ]);
  });

  it('OffsetCommit v2 (carries retention_time_ms)', async () => {
    const req = kreq('offsetCommit', 2)({
      groupId: 'g',
      groupGenerationId: 1,
      memberId: 'm',
      retentionTime: -1,
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: '5' }] }],
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m.retention_time_ms).toBe(-1n);
    expect(m.topics[0].partitions[0].committed_offset).toBe(5n);
  });

  it('OffsetFetch v4: listed topics, and empty list sent as null (= all)', async () => {
    const listed = await decodeKafkaJsRequest(
      kreq('offsetFetch', 4)({ groupId: 'group-1', topics: [{ topic: 'orders', partitions: [{ partition: 0 }, { partition: 2 }] }] }),
    );
    expect(listed).toEqual({ group_id: 'group-1', topics: [{ name: 'orders', partition_indexes: [0, 2] }] });
    const all = await decodeKafkaJsRequest(kreq('offsetFetch', 4)({ groupId: 'group-1', topics: [] }));
    expect(all).toEqual({ group_id: 'group-1', topics: null });
  });

  it('FindCoordinator v2 (group and transaction)', async () => {
    expect(await decodeKafkaJsRequest(kreq('findCoordinator', 2)({ coordinatorKey: 'group-1', coordinatorType: 0 }))).toEqual({
      key: 'group-1',
      key_type: 0,
    });
    expect(await decodeKafkaJsRequest(kreq('findCoordinator', 2)({ coordinatorKey: 'tx-1', coordinatorType: 1 }))).toEqual({
      key: 'tx-1',
      key_type: 1,
    });
  });

  it('CreateTopics v3', async () => {
    const req = kreq('createTopics', 3)({
      topics: [
        { topic: 'new-topic', numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        { topic: 'placed', replicaAssignment: [{ partition: 0, replicas: [1] }, { partition: 1, replicas: [1] }] },
      ],
      validateOnly: true,
      timeout: 5000,
    });
    const m = await decodeKafkaJsRequest(req);
    expect(m).toEqual({
      topics: [
        {
          name: 'new-topic',
          num_partitions: 3,
          replication_factor: 1,
          assignments: [],
          configs: [{ name: 'cleanup.policy', value: 'compact' }],
        },
        {
          name: 'placed',
          num_partitions: -1,
          replication_factor: -1,
          assignments: [
            { partition_index: 0, broker_ids: [1] },
            { partition_index: 1, broker_ids: [1] },
          ],
          configs: [],
        },
      ],
      timeout_ms: 5000,
      validate_only: true,
    });
  });

  it('DeleteTopics v1 (highest kafkajs has)', async () => {
    const m = await decodeKafkaJsRequest(kreq('deleteTopics', 1)({ topics: ['a', 'b'], timeout: 5000 }));
    expect(m).toEqual({ topic_names: ['a', 'b'], timeout_ms: 5000 });
  });

  it('InitProducerId v1 (idempotent and transactional)', async () => {
    expect(await decodeKafkaJsRequest(kreq('initProducerId', 1)({ transactionalId: null, transactionTimeout: 30000 }))).toEqual({
      transactional_id: null,
      transaction_timeout_ms: 30000,
    });
    expect(await decodeKafkaJsRequest(kreq('initProducerId', 1)({ transactionalId: 'tx-1', transactionTimeout: 60000 }))).toEqual({
      transactional_id: 'tx-1',
      transaction_timeout_ms: 60000,
    });
  });

  it('DescribeGroups v2 and ListGroups v2', async () => {
    expect(await decodeKafkaJsRequest(kreq('describeGroups', 2)({ groupIds: ['g1', 'g2'] }))).toEqual({
      groups: ['g1', 'g2'],
      include_authorized_operations: false, // absent before v3
    });
    expect(await decodeKafkaJsRequest(kreq('listGroups', 2)())).toEqual({});
  });

  it('ApiVersions v2 (empty body)', async () => {
    // client_software_* only exist from v3; absent fields decode to their zero value
    expect(await decodeKafkaJsRequest(kreq('apiVersions', 2)())).toEqual({ client_software_name: '', client_software_version: '' });
  });
});

// ---------------------------------------------------------------- our responses → kafkajs decoders

async function kafkajsDecode(api: string, version: number, body: Message): Promise<any> {
  const spec = ourResponse(require(`${KJS}/requests/apiKeys`)[apiKeyName(api)]);
  const bytes = encode(spec, version, body);
  const res = kres(api, version);
  const decoded = await res.decode(bytes);
  await res.parse(decoded); // throws on error codes; our samples carry none
  return decoded;
}

function apiKeyName(api: string): string {
  const map: Record<string, string> = {
    produce: 'Produce',
    fetch: 'Fetch',
    listOffsets: 'ListOffsets',
    metadata: 'Metadata',
    offsetCommit: 'OffsetCommit',
    offsetFetch: 'OffsetFetch',
    findCoordinator: 'GroupCoordinator',
    joinGroup: 'JoinGroup',
    heartbeat: 'Heartbeat',
    leaveGroup: 'LeaveGroup',
    syncGroup: 'SyncGroup',
    describeGroups: 'DescribeGroups',
    listGroups: 'ListGroups',
    apiVersions: 'ApiVersions',
    createTopics: 'CreateTopics',
    deleteTopics: 'DeleteTopics',
    initProducerId: 'InitProducerId',
    deleteRecords: 'DeleteRecords',
    describeConfigs: 'DescribeConfigs',
    alterConfigs: 'AlterConfigs',
    createPartitions: 'CreatePartitions',
    deleteGroups: 'DeleteGroups',
  };
  return map[api];
}

describe('our responses decode with kafkajs response decoders', () => {
  it('Metadata v6', async () => {
    const d = await kafkajsDecode('metadata', 6, {
      throttle_time_ms: 5,
      brokers: [{ node_id: 1, host: 'localhost', port: 9092, rack: null }],
      cluster_id: 'cluster-x',
      controller_id: 1,
      topics: [
        {
          error_code: 0,
          name: 'orders',
          is_internal: false,
          partitions: [
            { error_code: 0, partition_index: 0, leader_id: 1, replica_nodes: [1], isr_nodes: [1], offline_replicas: [] },
            { error_code: 0, partition_index: 1, leader_id: 1, replica_nodes: [1], isr_nodes: [1], offline_replicas: [] },
          ],
        },
      ],
    });
    expect(d.clientSideThrottleTime).toBe(5);
    expect(d.brokers).toEqual([{ nodeId: 1, host: 'localhost', port: 9092, rack: null }]);
    expect(d.clusterId).toBe('cluster-x');
    expect(d.controllerId).toBe(1);
    expect(d.topicMetadata).toEqual([
      {
        topicErrorCode: 0,
        topic: 'orders',
        isInternal: false,
        partitionMetadata: [
          { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] },
          { partitionErrorCode: 0, partitionId: 1, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] },
        ],
      },
    ]);
  });

  it('Produce v7', async () => {
    const d = await kafkajsDecode('produce', 7, {
      responses: [
        {
          name: 'orders',
          partition_responses: [{ index: 3, error_code: 0, base_offset: 9876543210n, log_append_time_ms: -1n, log_start_offset: 0n }],
        },
      ],
      throttle_time_ms: 0,
    });
    expect(d.topics).toEqual([
      {
        topicName: 'orders',
        partitions: [{ partition: 3, errorCode: 0, baseOffset: '9876543210', logAppendTime: '-1', logStartOffset: '0' }],
      },
    ]);
  });

  it('Fetch v11 with a real record batch', async () => {
    const records = await realBatch([
      { key: 'k1', value: 'hello', timestamp: 1_700_000_000_000 },
      { key: 'k2', value: 'world', timestamp: 1_700_000_000_001, headers: { a: 'b' } },
    ]);
    const d = await kafkajsDecode('fetch', 11, {
      throttle_time_ms: 0,
      error_code: 0,
      session_id: 0,
      responses: [
        {
          topic: 'orders',
          partitions: [
            {
              partition_index: 0,
              error_code: 0,
              high_watermark: 2n,
              last_stable_offset: 2n,
              log_start_offset: 0n,
              aborted_transactions: null,
              preferred_read_replica: -1,
              records,
            },
            {
              partition_index: 1,
              error_code: 0,
              high_watermark: 0n,
              last_stable_offset: 0n,
              log_start_offset: 0n,
              aborted_transactions: [],
              preferred_read_replica: -1,
              records: Buffer.alloc(0),
            },
          ],
        },
      ],
    });
    expect(d.errorCode).toBe(0);
    expect(d.sessionId).toBe(0);
    expect(d.responses).toHaveLength(1);
    const [p0, p1] = d.responses[0].partitions;
    expect(d.responses[0].topicName).toBe('orders');
    expect(p0).toMatchObject({ partition: 0, errorCode: 0, highWatermark: '2', lastStableOffset: '2', preferredReadReplica: -1 });
    expect(p0.messages.map((r: any) => [r.offset, r.key.toString(), r.value.toString()])).toEqual([
      ['0', 'k1', 'hello'],
      ['1', 'k2', 'world'],
    ]);
    expect(p0.messages[1].headers.a.toString()).toBe('b');
    expect(p1).toMatchObject({ partition: 1, highWatermark: '0', messages: [] });
  });

  it('JoinGroup v5', async () => {
    const meta = Buffer.from('subscription');
    const d = await kafkajsDecode('joinGroup', 5, {
      throttle_time_ms: 0,
      error_code: 0,
      generation_id: 7,
      protocol_name: 'RoundRobinAssigner',
      leader: 'member-1',
      member_id: 'member-1',
      members: [{ member_id: 'member-1', group_instance_id: null, metadata: meta }],
    });
    expect(d).toMatchObject({
      errorCode: 0,
      generationId: 7,
      groupProtocol: 'RoundRobinAssigner',
      leaderId: 'member-1',
      memberId: 'member-1',
    });
    expect(d.members).toEqual([{ memberId: 'member-1', groupInstanceId: null, memberMetadata: meta }]);
  });

  it('ApiVersions v2', async () => {
    const d = await kafkajsDecode('apiVersions', 2, {
      error_code: 0,
      api_keys: [
        { api_key: 0, min_version: 3, max_version: 7 },
        { api_key: 18, min_version: 0, max_version: 3 },
      ],
      throttle_time_ms: 0,
    });
    expect(d.errorCode).toBe(0);
    expect(d.apiVersions).toEqual([
      { apiKey: 0, minVersion: 3, maxVersion: 7 },
      { apiKey: 18, minVersion: 0, maxVersion: 3 },
    ]);
  });

  it('ListOffsets v3', async () => {
    const d = await kafkajsDecode('listOffsets', 3, {
      throttle_time_ms: 0,
      topics: [{ name: 'orders', partitions: [{ partition_index: 0, error_code: 0, timestamp: -1n, offset: 12345678901n }] }],
    });
    expect(d.responses).toEqual([
      { topic: 'orders', partitions: [{ partition: 0, errorCode: 0, timestamp: '-1', offset: '12345678901' }] },
    ]);
  });

  it('SyncGroup v3, Heartbeat v3, LeaveGroup v3', async () => {
    const assignment = Buffer.from('assigned');
    const s = await kafkajsDecode('syncGroup', 3, { throttle_time_ms: 0, error_code: 0, assignment });
    expect(s.memberAssignment).toEqual(assignment);
    const h = await kafkajsDecode('heartbeat', 3, { throttle_time_ms: 0, error_code: 0 });
    expect(h.errorCode).toBe(0);
    const l = await kafkajsDecode('leaveGroup', 3, {
      throttle_time_ms: 0,
      error_code: 0,
      members: [{ member_id: 'member-1', group_instance_id: null, error_code: 0 }],
    });
    expect(l.members).toEqual([{ memberId: 'member-1', groupInstanceId: null, errorCode: 0 }]);
  });

  it('SyncGroup v3 error response without an assignment still carries empty bytes', async () => {
    const bytes = encode(ourResponse(14), 3, { throttle_time_ms: 0, error_code: 27 });
    const d = await kres('syncGroup', 3).decode(bytes);
    expect(d.errorCode).toBe(27);
    expect(d.memberAssignment).toEqual(Buffer.alloc(0));
  });

  it('OffsetCommit v5 and OffsetFetch v4', async () => {
    const c = await kafkajsDecode('offsetCommit', 5, {
      throttle_time_ms: 0,
      topics: [{ name: 'orders', partitions: [{ partition_index: 0, error_code: 0 }] }],
    });
    expect(c.responses).toEqual([{ topic: 'orders', partitions: [{ partition: 0, errorCode: 0 }] }]);
    const f = await kafkajsDecode('offsetFetch', 4, {
      throttle_time_ms: 0,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partition_index: 0, committed_offset: 42n, metadata: '', error_code: 0 },
            { partition_index: 1, committed_offset: -1n, metadata: null, error_code: 0 },
          ],
        },
      ],
      error_code: 0,
    });
    expect(f.errorCode).toBe(0);
    expect(f.responses).toEqual([
      {
        topic: 'orders',
        partitions: [
          { partition: 0, offset: '42', metadata: '', errorCode: 0 },
          { partition: 1, offset: '-1', metadata: null, errorCode: 0 },
        ],
      },
    ]);
  });

  it('FindCoordinator v2', async () => {
    const d = await kafkajsDecode('findCoordinator', 2, {
      throttle_time_ms: 0,
      error_code: 0,
      error_message: null,
      node_id: 1,
      host: 'localhost',
      port: 9092,
    });
    expect(d.coordinator).toEqual({ nodeId: 1, host: 'localhost', port: 9092 });
    expect(d.errorMessage).toBeNull();
  });

  it('CreateTopics v3, DeleteTopics v1, InitProducerId v1', async () => {
    const c = await kafkajsDecode('createTopics', 3, {
      throttle_time_ms: 0,
      topics: [{ name: 'new-topic', error_code: 0, error_message: null }],
    });
    expect(c.topicErrors).toEqual([{ topic: 'new-topic', errorCode: 0, errorMessage: null }]);
    const d = await kafkajsDecode('deleteTopics', 1, { throttle_time_ms: 0, responses: [{ name: 'a', error_code: 0 }] });
    expect(d.topicErrors).toEqual([{ topic: 'a', errorCode: 0 }]);
    const i = await kafkajsDecode('initProducerId', 1, {
      throttle_time_ms: 0,
      error_code: 0,
      producer_id: 4000000000n,
      producer_epoch: 0,
    });
    expect(i).toMatchObject({ errorCode: 0, producerId: '4000000000', producerEpoch: 0 });
  });

  it('DescribeGroups v2 and ListGroups v2', async () => {
    const meta = Buffer.from('m');
    const asg = Buffer.from('a');
    const d = await kafkajsDecode('describeGroups', 2, {
      throttle_time_ms: 0,
      groups: [
        {
          error_code: 0,
          group_id: 'g1',
          group_state: 'Stable',
          protocol_type: 'consumer',
          protocol_data: 'RoundRobinAssigner',
          members: [
            { member_id: 'm1', client_id: 'c1', client_host: '/127.0.0.1', member_metadata: meta, member_assignment: asg },
          ],
        },
      ],
    });
    expect(d.groups).toEqual([
      {
        errorCode: 0,
        groupId: 'g1',
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'RoundRobinAssigner',
        members: [{ memberId: 'm1', clientId: 'c1', clientHost: '/127.0.0.1', memberMetadata: meta, memberAssignment: asg }],
      },
    ]);
    const l = await kafkajsDecode('listGroups', 2, {
      throttle_time_ms: 0,
      error_code: 0,
      groups: [{ group_id: 'g1', protocol_type: 'consumer' }],
    });
    expect(l.groups).toEqual([{ groupId: 'g1', protocolType: 'consumer' }]);
  });

  it('ListOffsets v0', async () => {
    const d = await kafkajsDecode('listOffsets', 0, {
      topics: [{ name: 'orders', partitions: [{ partition_index: 0, error_code: 0, old_style_offsets: [42n] }] }],
    });
    expect(d.responses).toEqual([{ topic: 'orders', partitions: [{ partition: 0, errorCode: 0, offsets: ['42'] }] }]);
  });

  it('DescribeConfigs v0, v1 and v2', async () => {
    const config = {
      name: 'retention.ms',
      value: '1000',
      read_only: false,
      is_default: false,
      config_source: 1,
      is_sensitive: false,
      synonyms: [{ name: 'retention.ms', value: '1000', source: 1 }],
    };
    const body = {
      throttle_time_ms: 0,
      results: [{ error_code: 0, error_message: null, resource_type: 2, resource_name: 't', configs: [config] }],
    };
    const v0 = await kafkajsDecode('describeConfigs', 0, body);
    expect(v0.resources[0].configEntries).toEqual([
      expect.objectContaining({ configName: 'retention.ms', configValue: '1000', isDefault: false, readOnly: false }),
    ]);
    for (const v of [1, 2]) {
      const d = await kafkajsDecode('describeConfigs', v, body);
      expect(d.resources[0]).toEqual(
        expect.objectContaining({
          resourceName: 't',
          resourceType: 2,
          configEntries: [
            expect.objectContaining({
              configName: 'retention.ms',
              configSource: 1,
              configSynonyms: [{ configName: 'retention.ms', configValue: '1000', configSource: 1 }],
            }),
          ],
        }),
      );
    }
  });

  it('AlterConfigs v1, CreatePartitions v1, DeleteRecords v1, DeleteGroups v1', async () => {
    const a = await kafkajsDecode('alterConfigs', 1, {
      throttle_time_ms: 0,
      responses: [{ error_code: 0, error_message: null, resource_type: 2, resource_name: 't' }],
    });
    expect(a.resources).toEqual([{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 't' }]);
    const c = await kafkajsDecode('createPartitions', 1, { throttle_time_ms: 0, results: [{ name: 't', error_code: 0, error_message: null }] });
    expect(c.topicErrors).toEqual([{ topic: 't', errorCode: 0, errorMessage: null }]);
    // kafkajs builds the DeleteRecords response decoder from the request's topics.
    const deleteRecordsResponse = kres('deleteRecords', 1)({ topics: [{ topic: 't', partitions: [{ partition: 0, offset: '7' }] }] });
    const r = await deleteRecordsResponse.decode(
      encode(MESSAGES[21].response, 1, {
        throttle_time_ms: 0,
        topics: [{ name: 't', partitions: [{ partition_index: 0, low_watermark: 7n, error_code: 0 }] }],
      }),
    );
    await deleteRecordsResponse.parse(r);
    expect(r.topics).toEqual([{ topic: 't', partitions: [{ partition: 0, lowWatermark: expect.anything(), errorCode: 0 }] }]);
    expect(String(r.topics[0].partitions[0].lowWatermark)).toBe('7');
    const g = await kafkajsDecode('deleteGroups', 1, { throttle_time_ms: 0, results: [{ group_id: 'g', error_code: 0 }] });
    expect(g.results).toEqual([{ groupId: 'g', errorCode: 0 }]);
  });
});

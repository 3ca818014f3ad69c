// Request handlers of src/broker/apis called directly against a Cluster on a temp dir:
// what each answers, without a socket in between (the e2e specs cover the wire).
import { API_HANDLERS } from '../../src/broker/apis';
import { ApiHandler, RequestContext } from '../../src/broker/apis/handler';
import { Cluster } from '../../src/broker/cluster';
import { resolveBrokerOptions } from '../../src/broker/config';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { Message } from '../../src/broker/protocol/schema';
import { SaslSession } from '../../src/broker/sasl';
import { tempDir } from '../support/broker';

const handler = (apiKey: number): ApiHandler => {
  const h = API_HANDLERS.find((x) => x.apiKey === apiKey);
  if (!h) throw new Error(`no handler for key ${apiKey}`);
  return h;
};

describe('broker API handlers', () => {
  let cluster: Cluster;
  let dataDir: string;

  const open = (): Cluster => new Cluster(resolveBrokerOptions({ dataDir, port: 0 }));
  const call = async (apiKey: number, version: number, request: Message): Promise<Message> => {
    const context: RequestContext = {
      version,
      clientId: 'unit',
      clientHost: '127.0.0.1',
      connectionId: 1,
      cluster,
      sasl: new SaslSession(null, () => undefined),
      supportedVersions: () => API_HANDLERS.map((h) => ({ api_key: h.apiKey, min_version: h.minVersion, max_version: h.maxVersion })),
    };
    return (await handler(apiKey).handle(request, context)) as Message;
  };

  beforeEach(() => {
    dataDir = tempDir('apis');
    cluster = open();
  });

  afterEach(() => cluster.close());

  describe('OffsetCommit / OffsetFetch', () => {
    test('a null committed_metadata is stored and fetched as "", like Apache Kafka', async () => {
      cluster.createTopic('t', 2, []);
      const commit = await call(8, 7, {
        group_id: 'g',
        generation_id_or_member_epoch: -1,
        member_id: '',
        group_instance_id: null,
        topics: [
          {
            name: 't',
            partitions: [
              { partition_index: 0, committed_offset: 5n, committed_leader_epoch: -1, committed_metadata: null },
              { partition_index: 1, committed_offset: 6n, committed_leader_epoch: -1, committed_metadata: 'kept' },
            ],
          },
        ],
      });
      expect(commit.topics[0].partitions.map((p: Message) => p.error_code)).toEqual([0, 0]);
      const fetchBoth = async (): Promise<unknown[]> => {
        const fetched = await call(9, 5, { group_id: 'g', topics: [{ name: 't', partition_indexes: [0, 1] }], require_stable: false });
        return fetched.topics[0].partitions.map((p: Message) => [p.partition_index, p.committed_offset, p.metadata]);
      };
      expect(await fetchBoth()).toEqual([
        [0, 5n, ''],
        [1, 6n, 'kept'],
      ]);
      // And after a restart, from the durable store.
      cluster.close();
      cluster = open();
      expect(await fetchBoth()).toEqual([
        [0, 5n, ''],
        [1, 6n, 'kept'],
      ]);
    });
  });

  describe('FindCoordinator', () => {
    test('a group coordinator is this node', async () => {
      const r = await call(10, 2, { key: 'g', key_type: 0 });
      expect(r.error_code).toBe(ErrorCode.NONE);
      expect(r.node_id).toBe(0);
    });

    test('the transaction coordinator is this node too', async () => {
      const r = await call(10, 2, { key: 'tx-1', key_type: 1 });
      expect(r.error_code).toBe(ErrorCode.NONE);
      expect(r.node_id).toBe(0);
    });
  });

  describe('DescribeConfigs / AlterConfigs', () => {
    test('v0 reports is_default; unknown topics, foreign broker ids and loggers are per-resource errors', async () => {
      cluster.createTopic('t', 1, [{ name: 'retention.ms', value: '1000' }]);
      const r = await call(32, 0, {
        resources: [
          { resource_type: 2, resource_name: 't', configuration_keys: ['retention.ms', 'retention.bytes'] },
          { resource_type: 2, resource_name: 'missing', configuration_keys: null },
          { resource_type: 4, resource_name: '7', configuration_keys: null },
          { resource_type: 8, resource_name: '0', configuration_keys: null },
        ],
      });
      expect(r.results[0].configs.map((c: Message) => [c.name, c.value, c.is_default])).toEqual([
        ['retention.ms', '1000', false],
        ['retention.bytes', '-1', true],
      ]);
      expect(r.results.slice(1).map((x: Message) => x.error_code)).toEqual([
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
      ]);
    });

    test('named configs come back in the order asked for; the broker lists its defaults read-only', async () => {
      const r = await call(32, 1, {
        resources: [{ resource_type: 4, resource_name: '', configuration_keys: ['default.replication.factor', 'num.partitions', 'nope'] }],
        include_synonyms: false,
      });
      expect(r.results[0].configs.map((c: Message) => [c.name, c.value, c.read_only, c.config_source])).toEqual([
        ['default.replication.factor', '1', true, 4],
        ['num.partitions', '1', true, 4],
      ]);
    });

    test('v3 gives config types and, when asked, documentation', async () => {
      cluster.createTopic('t', 1, []);
      const r = await call(32, 3, {
        resources: [{ resource_type: 2, resource_name: 't', configuration_keys: ['segment.bytes'] }],
        include_synonyms: false,
        include_documentation: true,
      });
      expect(r.results[0].configs[0]).toEqual(expect.objectContaining({ name: 'segment.bytes', config_type: 3, config_source: 5 }));
      expect(r.results[0].configs[0].documentation).toMatch(/segment/);
    });

    test('AlterConfigs refuses unserved configs and broker resources, and leaves the topic as it was', async () => {
      cluster.createTopic('t', 1, [{ name: 'retention.ms', value: '1000' }]);
      const r = await call(33, 1, {
        resources: [
          { resource_type: 2, resource_name: 't', configs: [{ name: 'compression.type', value: 'zip' }] },
          { resource_type: 4, resource_name: '0', configs: [{ name: 'log.retention.ms', value: '1' }] },
          { resource_type: 2, resource_name: 'missing', configs: [] },
        ],
        validate_only: false,
      });
      expect(r.responses.map((x: Message) => x.error_code)).toEqual([
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ]);
      expect(cluster.topics.get('t')!.overrides).toEqual({ 'retention.ms': '1000' });
    });
  });

  describe('Kafka 2.4 topic config catalogue', () => {
    test('configs the broker does not act on are validated as Kafka does, stored and described; unknown names are refused', async () => {
      cluster.createTopic('t', 1, [
        { name: 'compression.type', value: 'gzip' },
        { name: 'segment.ms', value: '60000' },
      ]);
      const r = await call(32, 1, { resources: [{ resource_type: 2, resource_name: 't', configuration_keys: null }], include_synonyms: true });
      const byName = new Map<string, Message>(r.results[0].configs.map((c: Message) => [c.name, c]));
      expect(byName.size).toBe(26); // Kafka 2.4's topic configs, every one
      expect(byName.get('compression.type')).toMatchObject({ value: 'gzip', config_source: 1, synonyms: [{ name: 'compression.type', value: 'gzip', source: 1 }, { name: 'compression.type', value: 'producer', source: 5 }] });
      expect(byName.get('segment.ms')).toMatchObject({ value: '60000', is_default: false });
      // As Kafka 2.4: a broker synonym under another name is not listed.
      expect(byName.get('segment.index.bytes')).toMatchObject({ value: '10485760', config_source: 5, synonyms: [] });
      expect(byName.get('cleanup.policy')).toMatchObject({ value: 'delete' });
      const bad = (name: string, value: string) => expect(() => cluster.createTopic(`bad-${name}`, 1, [{ name, value }])).toThrow(new RegExp(name.replace(/\./g, '\\.')));
      bad('compression.type', 'brotli');
      bad('segment.ms', '0');
      bad('preallocate', 'yes');
      bad('min.cleanable.dirty.ratio', '1.5');
      bad('cleanup.policy', 'compact,forever');
      bad('no.such.config', '1');
    });
  });

  describe('CreatePartitions', () => {
    test('assignments must put each new partition on this node; duplicates are refused', async () => {
      cluster.createTopic('t', 1, []);
      const bad = await call(37, 1, { topics: [{ name: 't', count: 3, assignments: [{ broker_ids: [0] }] }], timeout_ms: 1000, validate_only: false });
      expect(bad.results[0].error_code).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
      const dup = await call(37, 1, {
        topics: [
          { name: 't', count: 2, assignments: null },
          { name: 't', count: 3, assignments: null },
        ],
        timeout_ms: 1000,
        validate_only: false,
      });
      expect(dup.results.map((x: Message) => x.error_code)).toEqual([ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST]);
      const dry = await call(37, 0, { topics: [{ name: 't', count: 3, assignments: null }], timeout_ms: 1000, validate_only: true });
      expect(dry.results[0].error_code).toBe(ErrorCode.NONE);
      expect(cluster.topics.get('t')!.partitions).toHaveLength(1);
      const ok = await call(37, 0, { topics: [{ name: 't', count: 3, assignments: [{ broker_ids: [0] }, { broker_ids: [0] }] }], timeout_ms: 1000, validate_only: false });
      expect(ok.results[0].error_code).toBe(ErrorCode.NONE);
      expect(cluster.topics.get('t')!.partitions).toHaveLength(3);
    });
  });

  describe('DeleteRecords / ListOffsets v0 / DeleteGroups', () => {
    test('offsets past the high watermark and unknown partitions are per-partition errors; -1 means the high watermark', async () => {
      cluster.createTopic('t', 1, []);
      const r = await call(21, 1, {
        topics: [
          { name: 't', partitions: [{ partition_index: 0, offset: 5n }, { partition_index: 9, offset: 0n }] },
        ],
        timeout_ms: 1000,
      });
      expect(r.topics[0].partitions.map((p: Message) => [p.partition_index, p.error_code])).toEqual([
        [0, ErrorCode.OFFSET_OUT_OF_RANGE],
        [9, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ]);
      const all = await call(21, 0, { topics: [{ name: 't', partitions: [{ partition_index: 0, offset: -1n }] }], timeout_ms: 1000 });
      expect(all.topics[0].partitions[0]).toEqual({ partition_index: 0, low_watermark: 0n, error_code: ErrorCode.NONE });
    });

    test('ListOffsets v0 answers old_style_offsets', async () => {
      cluster.createTopic('t', 1, []);
      const r = await call(2, 0, {
        replica_id: -1,
        topics: [{ name: 't', partitions: [{ partition_index: 0, timestamp: -1n, max_num_offsets: 1 }] }],
      });
      expect(r.topics[0].partitions[0]).toEqual(expect.objectContaining({ error_code: 0, old_style_offsets: [0n] }));
    });

    test('DeleteGroups answers per group', async () => {
      const r = await call(42, 1, { groups_names: ['never-was'] });
      expect(r.results).toEqual([{ group_id: 'never-was', error_code: ErrorCode.GROUP_ID_NOT_FOUND }]);
    });
  });
});

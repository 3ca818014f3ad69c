// The embedded broker's admin surface through kafkajs 2.2.4 (and what it refuses, quickly).
import { Admin, ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { RunningBroker } from '../../src/broker';
import { eventually, kafkaClient, startTestBroker, tempDir } from '../support/broker';

async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

const topicConfigs = async (admin: Admin, topic: string): Promise<Record<string, { value: string; isDefault: boolean; source: number }>> => {
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }] });
  expect(described.resources[0].errorCode).toBe(0);
  return Object.fromEntries(
    described.resources[0].configEntries.map((e) => [e.configName, { value: e.configValue, isDefault: e.isDefault, source: e.configSource }]),
  );
};

jest.setTimeout(60_000);

describe('embedded broker admin APIs with kafkajs', () => {
  let broker: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = kafkaClient(broker);
  });

  it('describeConfigs lists served topic configs, set and default; alterConfigs replaces the set; bad values and unknown names are refused', async () => {
    await withAdmin(kafka, async (admin) => {
      await admin.createTopics({
        topics: [
          {
            topic: 'configured',
            configEntries: [
              { name: 'retention.ms', value: '3600000' },
              { name: 'message.timestamp.difference.max.ms', value: '604800000' },
            ],
          },
        ],
      });
      let configs = await topicConfigs(admin, 'configured');
      // Kafka 2.4's whole topic config catalogue, with its defaults.
      expect(Object.keys(configs)).toEqual(expect.arrayContaining(['cleanup.policy', 'compression.type', 'delete.retention.ms', 'segment.ms', 'min.cleanable.dirty.ratio', 'message.format.version']));
      expect(configs['compression.type']).toEqual({ value: 'producer', isDefault: true, source: 5 });
      expect(configs['retention.ms']).toEqual({ value: '3600000', isDefault: false, source: 1 });
      expect(configs['message.timestamp.difference.max.ms']).toEqual({ value: '604800000', isDefault: false, source: 1 });
      expect(configs['retention.bytes']).toEqual({ value: '-1', isDefault: true, source: 5 });
      expect(configs['cleanup.policy'].value).toBe('delete');

      // Only the named configs, with synonyms.
      const named = await admin.describeConfigs({
        includeSynonyms: true,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured', configNames: ['retention.ms', 'no.such.config'] }],
      });
      expect(named.resources[0].configEntries).toEqual([
        expect.objectContaining({
          configName: 'retention.ms',
          configValue: '3600000',
          // As Kafka 2.4 lists them: the broker's log.retention.ms has another name, so it is left out.
          configSynonyms: [{ configName: 'retention.ms', configValue: '3600000', configSource: 1 }],
        }),
      ]);

      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured', configEntries: [{ name: 'segment.bytes', value: '1048576' }] }],
      });
      configs = await topicConfigs(admin, 'configured');
      expect(configs['segment.bytes']).toEqual({ value: '1048576', isDefault: false, source: 1 });
      // AlterConfigs is not incremental: retention.ms was left out, so it is back to the default.
      expect(configs['retention.ms'].isDefault).toBe(true);
      expect(broker.cluster.topics.get('configured')!.partitions[0].options.segmentBytesMax).toBe(1048576);

      await expect(
        admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured', configEntries: [{ name: 'cleanup.policy', value: 'compact,never' }] }],
        }),
      ).rejects.toThrow(/configuration is invalid/i); // INVALID_CONFIG
      await expect(
        admin.createTopics({ topics: [{ topic: 'unknown-config', configEntries: [{ name: 'no.such.config', value: '1' }] }] }),
      ).rejects.toThrow();
      // validateOnly changes nothing.
      await admin.alterConfigs({
        validateOnly: true,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'configured', configEntries: [{ name: 'retention.bytes', value: '1000' }] }],
      });
      expect((await topicConfigs(admin, 'configured'))['retention.bytes'].isDefault).toBe(true);

      const brokerConfigs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: '0', configNames: ['message.max.bytes', 'log.retention.ms'] }],
      });
      expect(brokerConfigs.resources[0].configEntries.map((e) => [e.configName, e.readOnly])).toEqual([
        ['message.max.bytes', true],
        ['log.retention.ms', true],
      ]);
    });
  });

  it('max.message.bytes, message.timestamp.difference.max.ms and LogAppendTime act on produce', async () => {
    await withAdmin(kafka, (admin) =>
      admin.createTopics({
        topics: [
          { topic: 'small-batches', configEntries: [{ name: 'max.message.bytes', value: '200' }] },
          { topic: 'recent-only', configEntries: [{ name: 'message.timestamp.difference.max.ms', value: '60000' }] },
          { topic: 'broker-time', configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
        ],
      }),
    );
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      await producer.send({ topic: 'small-batches', messages: [{ value: 'x' }] });
      await expect(producer.send({ topic: 'small-batches', messages: [{ value: 'x'.repeat(500) }] })).rejects.toThrow(/larger than/i);
      await producer.send({ topic: 'recent-only', messages: [{ value: 'now' }] });
      await expect(
        producer.send({ topic: 'recent-only', messages: [{ value: 'old', timestamp: String(Date.now() - 3_600_000) }] }),
      ).rejects.toThrow(/timestamp/i);
      const before = Date.now();
      const [meta] = await producer.send({ topic: 'broker-time', messages: [{ value: 'stamped', timestamp: '1000' }] });
      expect(Number(meta.logAppendTime)).toBeGreaterThanOrEqual(before);
    } finally {
      await producer.disconnect();
    }
    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: 'broker-time-reader', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'broker-time', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.timestamp) });
    await eventually(() => seen.length >= 1, 20_000, 'the stamped message');
    await consumer.disconnect();
    expect(Number(seen[0])).toBeGreaterThan(1000); // the broker's clock, not the producer's 1000
  });

  it('createPartitions grows a topic; producers and metadata see the new partitions', async () => {
    await withAdmin(kafka, async (admin) => {
      await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2 }] });
      await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 5 }] });
      const meta = await admin.fetchTopicMetadata({ topics: ['growing'] });
      expect(meta.topics[0].partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2, 3, 4]);
      await expect(admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 3 }] })).rejects.toThrow(/partitions is invalid/i); // INVALID_PARTITIONS
      await expect(admin.createPartitions({ topicPartitions: [{ topic: 'absent', count: 3 }] })).rejects.toThrow();
    });
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'growing', messages: [{ value: 'to-4', partition: 4 }] });
    expect(meta).toEqual(expect.objectContaining({ partition: 4, baseOffset: '0', errorCode: 0 }));
    await producer.disconnect();
  });

  it('deleteTopicRecords moves the low watermark; consumers from the beginning start there', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'trimmed', messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
    await producer.send({ topic: 'trimmed', messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${10 + i}` })) });
    await producer.disconnect();
    await withAdmin(kafka, async (admin) => {
      await admin.fetchTopicMetadata({ topics: ['trimmed'] }); // kafkajs needs the topic's leaders loaded first
      await admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '13' }] });
      const [offsets] = await admin.fetchTopicOffsets('trimmed');
      expect({ low: offsets.low, high: offsets.high }).toEqual({ low: '13', high: '20' });
      await expect(admin.deleteTopicRecords({ topic: 'trimmed', partitions: [{ partition: 0, offset: '99' }] })).rejects.toThrow();
    });
    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: 'trimmed-reader', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'trimmed', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
    await eventually(() => seen.length >= 7, 20_000, '7 messages');
    await consumer.disconnect();
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `m${13 + i}`));
  });

  it('deleteGroups removes an empty group with its offsets and refuses a live one', async () => {
    await withAdmin(kafka, async (admin) => {
      await admin.setOffsets({ groupId: 'parked', topic: 'trimmed', partitions: [{ partition: 0, offset: '15' }] });
      expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain('parked');

      const consumer = kafka.consumer({ groupId: 'busy', sessionTimeout: 6000, heartbeatInterval: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'trimmed' });
      await consumer.run({ eachMessage: async () => undefined });
      await eventually(async () => (await admin.describeGroups(['busy'])).groups[0].state === 'Stable', 20_000, 'busy to be Stable');
      await expect(admin.deleteGroups(['busy'])).rejects.toThrow();
      await consumer.disconnect();

      const results = await admin.deleteGroups(['parked']);
      expect(results).toEqual([expect.objectContaining({ groupId: 'parked', errorCode: 0 })]);
      const listed = (await admin.listGroups()).groups.map((g) => g.groupId);
      expect(listed).not.toContain('parked');
      // busy committed nothing, so once its member left it was dropped too, as Kafka does.
      expect(listed).not.toContain('busy');
      const offsets = await admin.fetchOffsets({ groupId: 'parked', topics: ['trimmed'] });
      expect(offsets[0].partitions[0].offset).toBe('-1');
      await expect(admin.deleteGroups(['never-was'])).rejects.toThrow();
    });
  });

  it('ListOffsets by timestamp answers the exact record inside a batch', async () => {
    const producer = kafka.producer();
    await producer.connect();
    // One batch: timestamps 1000, 2000, 3000.
    await producer.send({ topic: 'timed', messages: [1000, 2000, 3000].map((t) => ({ value: `t${t}`, timestamp: String(t) })) });
    await producer.disconnect();
    await withAdmin(kafka, async (admin) => {
      expect(await admin.fetchTopicOffsetsByTimestamp('timed', 1500)).toEqual([{ partition: 0, offset: '1' }]);
      expect(await admin.fetchTopicOffsetsByTimestamp('timed', 3000)).toEqual([{ partition: 0, offset: '2' }]);
    });
  });

  it('alterPartitionReassignments to node 0 succeeds, to another broker fails as Kafka does; nothing is ever listed in progress', async () => {
    await withAdmin(kafka, async (admin) => {
      await admin.createTopics({ topics: [{ topic: 'reassigned', numPartitions: 2 }] });
      await expect(
        admin.alterPartitionReassignments({ topics: [{ topic: 'reassigned', partitionAssignment: [{ partition: 0, replicas: [0] }, { partition: 1, replicas: [0] }] }] }),
      ).resolves.toBeUndefined();
      await expect(
        admin.alterPartitionReassignments({ topics: [{ topic: 'reassigned', partitionAssignment: [{ partition: 1, replicas: [1] }] }] }),
      ).rejects.toMatchObject({ message: 'Errors altering partition reassignments', errors: [expect.objectContaining({ message: 'Replica assignment is invalid', partition: 1 })] });
      await expect(
        admin.alterPartitionReassignments({ topics: [{ topic: 'no-such-topic', partitionAssignment: [{ partition: 0, replicas: [0] }] }] }),
      ).rejects.toMatchObject({ errors: [expect.objectContaining({ message: 'This server does not host this topic-partition' })] });
      await expect(admin.listPartitionReassignments({ topics: [{ topic: 'reassigned', partitions: [0, 1] }] })).resolves.toEqual({ topics: [] });
      await expect(admin.listPartitionReassignments({})).resolves.toEqual({ topics: [] });
    });
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('transactions: a committed one is read by read_committed consumers with its offsets, an aborted one is not', async () => {
    const tx = new Kafka({ clientId: 'tx-test', brokers: [broker.address], logLevel: logLevel.NOTHING });
    await withAdmin(kafka, (admin) => admin.createTopics({ topics: [{ topic: 'tx-in' }, { topic: 'tx-out' }] }));
    const producer = tx.producer({ transactionalId: 'tx-1', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic: 'tx-out', messages: [{ value: 'aborted-1' }, { value: 'aborted-2' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic: 'tx-out', messages: [{ value: 'committed-1' }] });
    await committed.sendOffsets({ consumerGroupId: 'tx-group', topics: [{ topic: 'tx-in', partitions: [{ partition: 0, offset: '7' }] }] });
    await committed.commit();
    // A second instance with the same transactional id (its first transaction) fences the first.
    const fencing = tx.producer({ transactionalId: 'tx-1', idempotent: true, maxInFlightRequests: 1 });
    await fencing.connect();
    const next = await fencing.transaction();
    const stale = await producer.transaction();
    await expect(stale.send({ topic: 'tx-out', messages: [{ value: 'zombie' }] })).rejects.toThrow();
    await next.send({ topic: 'tx-out', messages: [{ value: 'committed-2' }] });
    await next.commit();
    await fencing.disconnect();
    await producer.disconnect();

    const seen = async (readUncommitted: boolean): Promise<string[]> => {
      const consumer = tx.consumer({ groupId: `tx-reader-${readUncommitted}`, readUncommitted });
      const values: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: 'tx-out', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(String(message.value)) });
      await eventually(() => values.includes('committed-2'), 30_000, 'the last committed record');
      await consumer.disconnect();
      return values;
    };
    expect(await seen(false)).toEqual(['committed-1', 'committed-2']);
    expect(await seen(true)).toEqual(['aborted-1', 'aborted-2', 'committed-1', 'committed-2']);
    await withAdmin(kafka, async (admin) => {
      expect(await admin.fetchOffsets({ groupId: 'tx-group', topics: ['tx-in'] })).toEqual([{ topic: 'tx-in', partitions: [expect.objectContaining({ partition: 0, offset: '7' })] }]);
    });
  });
});

describe('topic configs, new partitions and deleted records survive a restart', () => {
  it('keeps them', async () => {
    const dataDir = tempDir('admin-restart');
    let broker = await startTestBroker({}, dataDir);
    let kafka = kafkaClient(broker);
    await withAdmin(kafka, async (admin) => {
      await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '60000' }] }] });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'kept',
            configEntries: [
              { name: 'retention.ms', value: '120000' },
              { name: 'max.message.bytes', value: '50000' },
            ],
          },
        ],
      });
      await admin.createPartitions({ topicPartitions: [{ topic: 'kept', count: 3 }] });
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kept', messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}`, partition: 2 })) });
    await producer.disconnect();
    await withAdmin(kafka, async (admin) => {
      await admin.fetchTopicMetadata({ topics: ['kept'] });
      await admin.deleteTopicRecords({ topic: 'kept', partitions: [{ partition: 2, offset: '3' }] });
    });
    await broker.stop();

    broker = await startTestBroker({}, dataDir);
    kafka = kafkaClient(broker);
    await withAdmin(kafka, async (admin) => {
      const configs = await topicConfigs(admin, 'kept');
      expect(configs['retention.ms']).toEqual({ value: '120000', isDefault: false, source: 1 });
      expect(configs['max.message.bytes']).toEqual({ value: '50000', isDefault: false, source: 1 });
      const offsets = await admin.fetchTopicOffsets('kept');
      expect(offsets.map((o) => [o.partition, o.low, o.high]).sort()).toEqual([
        [0, '0', '0'],
        [1, '0', '0'],
        [2, '3', '5'],
      ]);
    });
    await broker.stop();
  });
});

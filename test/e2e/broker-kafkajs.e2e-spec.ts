// The embedded broker as kafkajs 2.2.4 sees it, over real TCP.
import { Consumer, EachMessagePayload, Kafka } from 'kafkajs';
import { RunningBroker } from '../../src/broker';
import { encodeRecordBatch } from '../../src/broker/protocol/record-codec';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { RawKafkaConnection } from '../support/raw-kafka';
import { eventually, kafkaClient, startTestBroker, tempDir } from '../support/broker';

jest.setTimeout(90_000);

describe('embedded broker with kafkajs', () => {
  let broker: RunningBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    broker = await startTestBroker();
    kafka = kafkaClient(broker);
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('a plain producer writes keys, values and headers that a consumer reads back in order', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'plain', numPartitions: 1 }] });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: `value-${i}`, headers: { idx: String(i) } }));
    const [meta] = await producer.send({ topic: 'plain', acks: 1, messages: sent.slice(0, 25) });
    expect(meta.errorCode).toBe(0);
    expect(meta.baseOffset).toBe('0');
    await producer.send({ topic: 'plain', acks: -1, messages: sent.slice(25) });
    await producer.disconnect();

    const received: { key: string; value: string; idx: string; offset: string }[] = [];
    const consumer = kafka.consumer({ groupId: 'plain-reader', sessionTimeout: 6000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'plain', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({
          key: message.key!.toString(),
          value: message.value!.toString(),
          idx: message.headers!.idx!.toString(),
          offset: message.offset,
        });
      },
    });
    await eventually(() => received.length >= 50, 20_000, '50 messages');
    await consumer.disconnect();
    expect(received.map((r) => r.value)).toEqual(sent.map((s) => s.value));
    expect(received.map((r) => r.key)).toEqual(sent.map((s) => s.key));
    expect(received.map((r) => r.idx)).toEqual(sent.map((_, i) => String(i)));
    expect(received.map((r) => Number(r.offset))).toEqual(sent.map((_, i) => i));
  });

  it('an idempotent producer gets consecutive offsets and a replayed batch is not appended twice', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 5; i++) {
      await producer.send({ topic: 'idem', acks: -1, messages: [{ value: `m${i}` }, { value: `n${i}` }] });
    }
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets('idem');
    expect(offsets.high).toBe('10');

    // Replay the same idempotent batch over the wire, as a client retrying after a lost response would.
    const init = await (await RawKafkaConnection.connect(broker.port)).request(22, 1, { transactional_id: null, transaction_timeout_ms: 0 });
    expect(init.error_code).toBe(ErrorCode.NONE);
    const batch = () =>
      encodeRecordBatch({
        records: [{ key: null, value: Buffer.from('once') }, { key: null, value: Buffer.from('twice?') }],
        producerId: init.producer_id,
        producerEpoch: init.producer_epoch,
        baseSequence: 0,
      });
    const conn = await RawKafkaConnection.connect(broker.port);
    const produce = (records: Buffer, seq: number) =>
      conn.request(0, 7, {
        transactional_id: null,
        acks: -1,
        timeout_ms: 5000,
        topic_data: [{ name: 'idem', partition_data: [{ index: 0, records }] }],
      }).then((r) => ({ seq, ...r.responses[0].partition_responses[0] }));
    const first = await produce(batch(), 0);
    const retry = await produce(batch(), 0);
    expect(first.error_code).toBe(ErrorCode.NONE);
    expect(retry.error_code).toBe(ErrorCode.NONE);
    expect(retry.base_offset).toBe(first.base_offset);
    const gap = encodeRecordBatch({
      records: [{ key: null, value: Buffer.from('skips a sequence') }],
      producerId: init.producer_id,
      producerEpoch: init.producer_epoch,
      baseSequence: 5,
    });
    expect((await produce(gap, 5)).error_code).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    conn.close();
    const [after] = await admin.fetchTopicOffsets('idem');
    expect(after.high).toBe('12');
    await admin.disconnect();
  });

  it('a group of two members splits partitions, rebalances when one leaves, and consumes every message exactly once', async () => {
    const topic = 'grouped';
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
    await admin.disconnect();

    const seen = new Map<string, number>();
    const partitionsBy = { a: new Set<number>(), b: new Set<number>() };
    const makeConsumer = async (name: 'a' | 'b'): Promise<Consumer> => {
      const c = kafka.consumer({ groupId: 'pair', sessionTimeout: 6000, rebalanceTimeout: 10_000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      await c.connect();
      await c.subscribe({ topic, fromBeginning: true });
      await c.run({
        autoCommitThreshold: 1,
        eachMessage: async ({ partition, message }: EachMessagePayload) => {
          partitionsBy[name].add(partition);
          const id = message.value!.toString();
          seen.set(id, (seen.get(id) ?? 0) + 1);
        },
      });
      return c;
    };
    const a = await makeConsumer('a');
    const b = await makeConsumer('b');
    const producer = kafka.producer();
    await producer.connect();
    const send = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 20) {
        await producer.send({ topic, messages: Array.from({ length: 20 }, (_, j) => ({ key: `key-${i + j}`, value: `msg-${i + j}` })) });
      }
    };
    // Wait until both members hold an assignment before producing.
    await eventually(async () => {
      const d = await describeGroup(kafka, 'pair');
      return d.state === 'Stable' && d.members === 2;
    }, 30_000, 'a stable group of two');
    await send(0, 200);
    await eventually(() => seen.size === 200, 30_000, '200 messages across both members');
    expect(partitionsBy.a.size).toBeGreaterThan(0);
    expect(partitionsBy.b.size).toBeGreaterThan(0);
    expect([...partitionsBy.a].some((p) => partitionsBy.b.has(p))).toBe(false);

    await b.disconnect();
    await eventually(async () => {
      const d = await describeGroup(kafka, 'pair');
      return d.state === 'Stable' && d.members === 1;
    }, 30_000, 'the group to shrink to one member');
    partitionsBy.a.clear();
    await send(200, 200);
    await eventually(() => seen.size === 400, 30_000, '400 messages');
    await a.disconnect();
    await producer.disconnect();
    expect(partitionsBy.a).toEqual(new Set([0, 1, 2, 3]));
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('admin creates, lists, describes offsets of and deletes topics', async () => {
    const admin = kafka.admin();
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic: 'adm-1', numPartitions: 3 }] })).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'adm-1', numPartitions: 3 }] })).toBe(false);
    await expect(admin.createTopics({ topics: [{ topic: 'bad/name' }] })).rejects.toThrow(/invalid|topic/i);
    expect(await admin.listTopics()).toEqual(expect.arrayContaining(['adm-1']));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'adm-1', messages: [{ value: 'x', partition: 2 }, { value: 'y', partition: 2 }] });
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('adm-1');
    expect(offsets.sort((x, y) => x.partition - y.partition).map((o) => [o.partition, o.low, o.high])).toEqual([
      [0, '0', '0'],
      [1, '0', '0'],
      [2, '0', '2'],
    ]);
    await admin.deleteTopics({ topics: ['adm-1'] });
    expect(await admin.listTopics()).not.toContain('adm-1');
    await admin.disconnect();
  });
});

async function describeGroup(kafka: Kafka, groupId: string): Promise<{ state: string; members: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    return { state: groups[0].state, members: groups[0].members.length };
  } finally {
    await admin.disconnect();
  }
}

describe('embedded broker restarts', () => {
  it('keeps data and committed offsets across a restart', async () => {
    const dataDir = tempDir('restart');
    let broker = await startTestBroker({}, dataDir);
    let kafka = kafkaClient(broker);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic: 'durable', messages: Array.from({ length: 30 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.setOffsets({ groupId: 'resumer', topic: 'durable', partitions: [{ partition: 0, offset: '20' }] });
    await admin.disconnect();
    await broker.stop();

    broker = await startTestBroker({}, dataDir);
    kafka = kafkaClient(broker);
    const admin2 = kafka.admin();
    await admin2.connect();
    const committed = await admin2.fetchOffsets({ groupId: 'resumer', topics: ['durable'] });
    expect(committed[0].partitions[0].offset).toBe('20');
    const [hw] = await admin2.fetchTopicOffsets('durable');
    expect(hw.high).toBe('30');
    await admin2.disconnect();

    const values: string[] = [];
    const consumer = kafka.consumer({ groupId: 'resumer', sessionTimeout: 6000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'durable' });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
    await eventually(() => values.length >= 10, 20_000, 'the 10 uncommitted messages');
    await consumer.disconnect();
    expect(values).toEqual(Array.from({ length: 10 }, (_, i) => `v${20 + i}`));
    // The producer-id counter survived too: a new idempotent producer gets a fresh id and writes fine.
    const p2 = kafka.producer({ idempotent: true });
    await p2.connect();
    const [meta] = await p2.send({ topic: 'durable', messages: [{ value: 'after-restart' }] });
    expect(meta.baseOffset).toBe('30');
    await p2.disconnect();
    await broker.stop();
  });
});

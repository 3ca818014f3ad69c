// Transactions on the embedded broker without a socket: the control batch a marker is, a
// partition's open/aborted transactions (LSO, read_committed), and the coordinator's
// fencing, EndTxn, restart and timeout behaviour, through the API handlers.
import { API_HANDLERS } from '../../src/broker/apis';
import { RequestContext } from '../../src/broker/apis/handler';
import { Cluster } from '../../src/broker/cluster';
import { resolveBrokerOptions } from '../../src/broker/config';
import { CONTROL_TYPE, buildControlBatch } from '../../src/broker/protocol/control-batch';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { computeBatchCrc, readBatchHeader, validateBatchAt } from '../../src/broker/protocol/record-batch';
import { Message } from '../../src/broker/protocol/schema';
import { SaslSession } from '../../src/broker/sasl';
import { PartitionTxns } from '../../src/broker/storage/partition-txns';
import { tempDir } from '../support/broker';

/** A one-record batch v2 of a (transactional) producer, as kafkajs would send it. */
function batch(producerId: bigint, epoch: number, sequence: number, transactional: boolean): Buffer {
  const b = buildControlBatch(producerId, epoch, CONTROL_TYPE.COMMIT, BigInt(Date.now()));
  // Same layout as a data batch with one record; only attributes and sequence differ.
  b.writeInt16BE(transactional ? 0x10 : 0, 21);
  b.writeInt32BE(sequence, 53);
  b.writeUInt32BE(computeBatchCrc(b, 0, b.length), 17);
  return b;
}

describe('control batches', () => {
  it('a marker is a valid v2 batch, transactional and control, with the COMMIT/ABORT key', () => {
    const b = buildControlBatch(1234n, 3, CONTROL_TYPE.ABORT, 1_700_000_000_000n);
    const h = validateBatchAt(b, 0);
    expect(h).toMatchObject({ isControl: true, isTransactional: true, producerId: 1234n, producerEpoch: 3, baseSequence: -1, recordCount: 1, lastOffsetDelta: 0 });
    // key: version 0, type 0 (abort), right after the record's length, attributes and deltas
    expect(b.readInt16BE(61 + 5)).toBe(0);
    expect(b.readInt16BE(61 + 7)).toBe(CONTROL_TYPE.ABORT);
    expect(readBatchHeader(buildControlBatch(1n, 0, CONTROL_TYPE.COMMIT, 0n)).isControl).toBe(true);
  });
});

describe('PartitionTxns', () => {
  it('the LSO is the earliest open transaction start; aborts are listed by range and survive a reopen', () => {
    const dir = tempDir('ptxns');
    const t = new PartitionTxns(dir);
    expect(t.lastStableOffset(10n)).toBe(10n);
    t.begin(7n, 4n, 0);
    t.begin(8n, 6n, 2);
    t.begin(7n, 9n, 0); // already open: keeps 4
    expect([t.isOpen(7n, 0), t.isOpen(7n, 1), t.isOpen(9n, 0)]).toEqual([true, false, false]);
    expect(t.lastStableOffset(10n)).toBe(4n);
    t.end(7n, 10n, true);
    expect(t.lastStableOffset(12n)).toBe(6n);
    t.end(8n, 12n, false);
    expect(t.lastStableOffset(13n)).toBe(13n);
    expect(t.abortedBetween(0n, 5n)).toEqual([{ producerId: 7n, firstOffset: 4n, lastOffset: 10n }]);
    expect(t.abortedBetween(11n, 20n)).toEqual([]);
    expect(new PartitionTxns(dir).abortedBetween(0n, 100n)).toHaveLength(1);
    t.trimBelow(11n);
    expect(new PartitionTxns(dir).abortedBetween(0n, 100n)).toEqual([]);
  });
});

describe('transaction APIs', () => {
  let dataDir: string;
  let cluster: Cluster;
  const open = (): Cluster => new Cluster(resolveBrokerOptions({ dataDir, port: 0 }));
  beforeEach(() => {
    dataDir = tempDir('txn-apis');
    cluster = open();
    cluster.createTopic('t', 1, []);
  });
  afterEach(() => cluster.close());

  const call = async (apiKey: number, version: number, request: Message): Promise<Message> => {
    const handler = API_HANDLERS.find((h) => h.apiKey === apiKey)!;
    const context: RequestContext = { version, clientId: 'unit', clientHost: '127.0.0.1', connectionId: 1, cluster, sasl: new SaslSession(null, () => undefined), supportedVersions: () => [] };
    return (await handler.handle(request, context)) as Message;
  };
  const init = (id = 'tx') => call(22, 1, { transactional_id: id, transaction_timeout_ms: 60_000 });
  const addPartition = (pid: bigint, epoch: number, topic = 't') =>
    call(24, 1, { transactional_id: 'tx', producer_id: pid, producer_epoch: epoch, topics: [{ name: topic, partitions: [0] }] });
  const produce = async (pid: bigint, epoch: number, seq: number, transactional = true) =>
    (await call(0, 7, { acks: -1, timeout_ms: 1000, transactional_id: 'tx', topic_data: [{ name: 't', partition_data: [{ index: 0, records: batch(pid, epoch, seq, transactional) }] }] }))
      .responses[0].partition_responses[0];
  const end = (pid: bigint, epoch: number, committed: boolean) => call(26, 1, { transactional_id: 'tx', producer_id: pid, producer_epoch: epoch, committed });
  const fetchCommitted = async (isolation: number) =>
    (await call(1, 11, { max_wait_ms: 0, min_bytes: 0, max_bytes: 1 << 20, isolation_level: isolation, topics: [{ topic: 't', partitions: [{ partition: 0, fetch_offset: 0n, partition_max_bytes: 1 << 20 }] }] }))
      .responses[0].partitions[0];

  it('InitProducerId keeps the producer id and bumps the epoch; the old epoch is fenced', async () => {
    const first = await init();
    expect(first).toMatchObject({ error_code: 0, producer_epoch: 0 });
    const second = await init();
    expect(second).toMatchObject({ error_code: 0, producer_id: first.producer_id, producer_epoch: 1 });
    expect((await addPartition(first.producer_id, 0)).results[0].results[0].error_code).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await addPartition(first.producer_id + 1n, 1)).results[0].results[0].error_code).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect((await call(22, 1, { transactional_id: 'tx', transaction_timeout_ms: 16 * 60_000 })).error_code).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  });

  it('a transactional batch needs its partition added first; an unknown partition fails the others as OPERATION_NOT_ATTEMPTED', async () => {
    const { producer_id: pid } = await init();
    expect((await produce(pid, 0, 0)).error_code).toBe(ErrorCode.INVALID_TXN_STATE);
    // A fenced instance cannot slip a batch into its successor's transaction.
    expect((await init()).producer_epoch).toBe(1);
    await addPartition(pid, 1);
    expect((await produce(pid, 0, 0)).error_code).toBe(ErrorCode.INVALID_TXN_STATE);
    expect((await produce(pid, 1, 0)).error_code).toBe(0);
    await end(pid, 1, false);
    const r = await call(24, 1, { transactional_id: 'tx', producer_id: pid, producer_epoch: 1, topics: [{ name: 't', partitions: [0, 5] }] });
    expect(r.results[0].results.map((p: Message) => p.error_code)).toEqual([ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    expect((await end(pid, 1, true)).error_code).toBe(ErrorCode.INVALID_TXN_STATE); // nothing open
  });

  it('read_committed stops at the open transaction and lists the aborted one; read_uncommitted sees all', async () => {
    const { producer_id: pid } = await init();
    expect((await produce(999n, 0, 0, false)).base_offset).toBe(0n); // a plain idempotent record
    await addPartition(pid, 0);
    expect((await produce(pid, 0, 0)).base_offset).toBe(1n);
    let committed = await fetchCommitted(1);
    expect(committed.last_stable_offset).toBe(1n);
    expect(readBatchHeader(committed.records).baseOffset).toBe(0n);
    expect(committed.records.length).toBe(batch(1n, 0, 0, false).length); // only offset 0
    expect((await end(pid, 0, false)).error_code).toBe(0); // abort marker at 2
    committed = await fetchCommitted(1);
    expect(committed.last_stable_offset).toBe(3n);
    expect(committed.aborted_transactions).toEqual([{ producer_id: pid, first_offset: 1n }]);
    const uncommitted = await fetchCommitted(0);
    expect(uncommitted.records.length).toBe(committed.records.length);
    expect(uncommitted.aborted_transactions).toEqual([]);
  });

  it('TxnOffsetCommit offsets are written on commit only', async () => {
    const { producer_id: pid } = await init();
    await addPartition(pid, 0);
    const txnCommit = (offset: bigint) =>
      call(28, 2, { transactional_id: 'tx', group_id: 'g', producer_id: pid, producer_epoch: 0, topics: [{ name: 't', partitions: [{ partition_index: 0, committed_offset: offset, committed_leader_epoch: -1, committed_metadata: null }] }] });
    // Before AddOffsetsToTxn the offsets are taken (Kafka 2.4) but only the group's commit marker would release them.
    expect((await txnCommit(3n)).topics[0].partitions[0].error_code).toBe(0);
    expect((await call(25, 1, { transactional_id: 'tx', producer_id: pid, producer_epoch: 0, group_id: 'g' })).error_code).toBe(0);
    expect((await txnCommit(5n)).topics[0].partitions[0].error_code).toBe(0);
    expect(cluster.groups.fetchOffsets('g', [{ topic: 't', partition: 0 }])[0].offset).toBe(-1n);
    expect((await end(pid, 0, true)).error_code).toBe(0);
    expect(cluster.groups.fetchOffsets('g', [{ topic: 't', partition: 0 }])[0].offset).toBe(5n);
  });

  it('TxnOffsetCommit from a producer id no transaction belongs to succeeds, as in Kafka 2.4, and its offsets never show', async () => {
    const { producer_id: pid } = await init();
    const commitAs = (producerId: bigint, offset: bigint) =>
      call(28, 0, { transactional_id: 'foo', group_id: 'g', producer_id: producerId, producer_epoch: 999, topics: [{ name: 't', partitions: [{ partition_index: 0, committed_offset: offset, committed_metadata: null }] }] });
    expect((await commitAs(999n, 7n)).topics[0].partitions[0].error_code).toBe(0);
    // The real transaction commits with the group: only its own producer id's offsets appear.
    await addPartition(pid, 0);
    expect((await call(25, 1, { transactional_id: 'tx', producer_id: pid, producer_epoch: 0, group_id: 'g' })).error_code).toBe(0);
    expect((await end(pid, 0, true)).error_code).toBe(0);
    expect(cluster.groups.fetchOffsets('g', [{ topic: 't', partition: 0 }])[0].offset).toBe(-1n);
  });

  it('a transaction open when the broker stops is aborted when it starts again', async () => {
    const { producer_id: pid } = await init();
    await addPartition(pid, 0);
    await produce(pid, 0, 0);
    cluster.close();
    cluster = open();
    await new Promise((r) => setTimeout(r, 50)); // the recovery's marker fsync
    const committed = await fetchCommitted(1);
    expect(committed.last_stable_offset).toBe(2n); // data at 0, abort marker at 1
    expect(committed.aborted_transactions).toEqual([{ producer_id: pid, first_offset: 0n }]);
    expect((await end(pid, 0, true)).error_code).toBe(ErrorCode.INVALID_TXN_STATE);
  });

  it('a transaction past its timeout is aborted and its producer fenced', async () => {
    const { producer_id: pid } = await call(22, 1, { transactional_id: 'tx', transaction_timeout_ms: 1 });
    await addPartition(pid, 0);
    await cluster.transactions.abortExpired(Date.now() + 10);
    expect((await fetchCommitted(1)).aborted_transactions).toEqual([{ producer_id: pid, first_offset: 0n }]); // its abort marker is at 0
    expect((await end(pid, 0, true)).error_code).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await init()).producer_epoch).toBe(2);
  });
});

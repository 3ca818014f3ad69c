// Log compaction (cleanup.policy=compact) on the embedded broker, seen by clients: kafkajs
// produces several values per key (plain and gzip, several records per batch) into small
// segments, the cleaner runs (its test hook, Cluster.cleanLogs), and kafkajs and kcat read
// from the beginning only the latest value per key of the closed segments plus everything
// in the active segment, at the offsets they were written at. Keyless records are refused,
// tombstones go after delete.retention.ms, and a restart (also one after a cleaner crash
// left a half-written replacement file behind) shows the same content.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompressionTypes, ConfigResourceTypes, Kafka } from 'kafkajs';
import { RunningBroker } from '../../src/broker';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { computeBatchCrc } from '../../src/broker/protocol/record-batch';
import { encodeRecordBatch } from '../../src/broker/protocol/record-codec';
import { eventually, kafkaClient, startTestBroker, tempDir } from '../support/broker';

jest.setTimeout(120_000);

interface Rec {
  offset: string;
  key: string;
  value: string | null;
}

const SMALL_SEGMENTS = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'segment.bytes', value: '1024' },
];

describe('log compaction on the embedded broker', () => {
  const dataDir = tempDir('broker-compaction');
  let broker: RunningBroker;
  let kafka: Kafka;
  let readers = 0;

  beforeAll(async () => {
    broker = await startTestBroker({}, dataDir);
    kafka = kafkaClient(broker);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  const admin = async <T>(fn: (a: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> => {
    const a = kafka.admin();
    await a.connect();
    try {
      return await fn(a);
    } finally {
      await a.disconnect();
    }
  };

  /** Everything a consumer reads from the beginning up to the current log end. */
  async function readAll(topic: string, readUncommitted = false): Promise<Rec[]> {
    const [{ high }] = await admin((a) => a.fetchTopicOffsets(topic));
    const consumer = kafka.consumer({ groupId: `reader-${readers++}`, readUncommitted });
    const seen: Rec[] = [];
    let last = -1n;
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push({ offset: message.offset, key: message.key!.toString(), value: message.value === null ? null : message.value.toString() });
          last = BigInt(message.offset);
        },
      });
      await eventually(() => last === BigInt(high) - 1n, 60_000, `reading ${topic} to offset ${high}`);
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  /** Base offset of the active (last) segment of partition 0. */
  const activeBase = (topic: string): bigint => {
    const bases = fs.readdirSync(path.join(dataDir, 'topics', `${topic}-0`)).filter((n) => /^\d{20}\.log$/.test(n)).map((n) => BigInt(n.slice(0, 20)));
    return bases.reduce((a, b) => (b > a ? b : a), 0n);
  };

  /** What compaction leaves: the last record of each key below the active segment, everything from it on. */
  const compacted = (written: Rec[], active: bigint): Rec[] => {
    const latest = new Map<string, string>();
    for (const r of written) if (BigInt(r.offset) < active) latest.set(r.key, r.offset);
    return written.filter((r) => BigInt(r.offset) >= active || latest.get(r.key) === r.offset);
  };

  async function produce(topic: string, messages: { key: string; value: string | null }[], compression = CompressionTypes.None): Promise<Rec[]> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      const [meta] = await producer.send({ topic, compression, messages });
      return messages.map((m, i) => ({ offset: String(BigInt(meta.baseOffset!) + BigInt(i)), key: m.key, value: m.value }));
    } finally {
      await producer.disconnect();
    }
  }

  const written: Rec[] = [];

  it('keeps only the latest value per key in closed segments, at the offsets it was written at', async () => {
    await admin((a) => a.createTopics({ topics: [{ topic: 'compacted', configEntries: SMALL_SEGMENTS }] }));
    for (let round = 0; round < 6; round++) {
      // Two records of different keys per batch, so cleaning also thins batches; every other round gzip.
      for (let k = 0; k < 8; k += 2) {
        const value = (key: number) => `round-${round}-key-${key}-${'x'.repeat(40)}`;
        const batch = [
          { key: `key-${k}`, value: value(k) },
          { key: `key-${k + 1}`, value: value(k + 1) },
        ];
        written.push(...(await produce('compacted', batch, round % 2 ? CompressionTypes.GZIP : CompressionTypes.None)));
      }
    }
    const active = activeBase('compacted');
    expect(active).toBeGreaterThan(16n); // several segments rolled

    expect(broker.cluster.cleanLogs()).toBeGreaterThan(0);
    const expected = compacted(written, active);
    expect(expected.length).toBeLessThan(written.length);
    expect(await readAll('compacted')).toEqual(expected);
    // A second run has nothing left to remove.
    expect(broker.cluster.cleanLogs()).toBe(0);
  });

  it('kcat -C -e reads the same compacted content', async () => {
    // Asynchronously: the broker runs in this process and must answer kcat meanwhile.
    const { stdout: out } = await promisify(execFile)('kcat', ['-b', `127.0.0.1:${broker.port}`, '-X', 'broker.address.family=v4', '-C', '-t', 'compacted', '-o', 'beginning', '-e', '-q', '-f', '%o %k %s\\n'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const lines = out.trim().split('\n');
    expect(lines).toEqual(compacted(written, activeBase('compacted')).map((r) => `${r.offset} ${r.key} ${r.value}`));
  });

  it('refuses a record without a key on a compacted topic (INVALID_RECORD), and nothing is appended', async () => {
    const producer = kafka.producer({ retry: { retries: 0 } });
    await producer.connect();
    try {
      const [{ high: before }] = await admin((a) => a.fetchTopicOffsets('compacted'));
      await expect(producer.send({ topic: 'compacted', messages: [{ key: 'ok', value: 'a' }, { value: 'no key' }] })).rejects.toMatchObject({ type: 'INVALID_RECORD' });
      const [{ high: after }] = await admin((a) => a.fetchTopicOffsets('compacted'));
      expect(after).toBe(before);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses batches it cannot read keys from (snappy, lz4, zstd) on a compacted topic', async () => {
    const batch = encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v') }] });
    batch.writeInt16BE(2, 21); // snappy
    batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), 17);
    expect((await broker.cluster.append('compacted', 0, batch, -1)).errorCode).toBe(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  });

  it('never compacts transactional records: read_committed still drops the aborted one, and they hide nothing', async () => {
    await admin((a) => a.createTopics({ topics: [{ topic: 'txn-compacted', configEntries: SMALL_SEGMENTS }] }));
    await produce('txn-compacted', [{ key: 'a', value: 'v1' }]);
    const producer = kafka.producer({ transactionalId: 'compaction-test', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const [value, commit] of [['txn1', true], ['txn2', false]] as const) {
        const txn = await producer.transaction();
        await txn.send({ topic: 'txn-compacted', messages: [{ key: 'a', value }] });
        await (commit ? txn.commit() : txn.abort());
      }
    } finally {
      await producer.disconnect();
    }
    await produce('txn-compacted', [{ key: 'a', value: 'v2' }]);
    for (let i = 0; i < 30; i++) await produce('txn-compacted', [{ key: `filler-${i % 3}`, value: 'w'.repeat(80) }]);
    expect(activeBase('txn-compacted')).toBeGreaterThan(6n);

    expect(broker.cluster.cleanLogs()).toBeGreaterThan(0);
    const valuesOfA = (recs: Rec[]) => recs.filter((r) => r.key === 'a').map((r) => r.value);
    // v1 is hidden by the later plain v2; the transactional records stay whatever their key's later history.
    expect(valuesOfA(await readAll('txn-compacted'))).toEqual(['txn1', 'v2']);
    expect(valuesOfA(await readAll('txn-compacted', true))).toEqual(['txn1', 'txn2', 'v2']);
  });

  it('keeps a tombstone for delete.retention.ms, then removes it', async () => {
    await admin((a) => a.createTopics({ topics: [{ topic: 'tombstones', configEntries: SMALL_SEGMENTS }] }));
    await produce('tombstones', [{ key: 'gone', value: 'v1' }]);
    await produce('tombstones', [{ key: 'gone', value: null }]);
    for (let i = 0; i < 30; i++) await produce('tombstones', [{ key: `filler-${i % 3}`, value: 'y'.repeat(80) }]);
    expect(activeBase('tombstones')).toBeGreaterThan(1n);

    broker.cluster.cleanLogs();
    let keys = (await readAll('tombstones')).filter((r) => r.key === 'gone');
    expect(keys).toEqual([{ offset: '1', key: 'gone', value: null }]); // the value went, the tombstone stays (default: one day)

    await admin((a) =>
      a.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'tombstones', configEntries: [...SMALL_SEGMENTS, { name: 'delete.retention.ms', value: '0' }] }],
      }),
    );
    broker.cluster.cleanLogs();
    keys = (await readAll('tombstones')).filter((r) => r.key === 'gone');
    expect(keys).toEqual([]);
  });

  it('compact,delete also applies retention; a restart, even after a cleaner crash, shows the same content', async () => {
    await admin((a) =>
      a.createTopics({ topics: [{ topic: 'both', configEntries: [...SMALL_SEGMENTS.slice(1), { name: 'cleanup.policy', value: 'compact,delete' }, { name: 'retention.bytes', value: '2048' }] }] }),
    );
    for (let i = 0; i < 40; i++) await produce('both', [{ key: `k${i % 4}`, value: 'z'.repeat(100) }]);
    broker.cluster.enforceRetention(Date.now());
    const [{ low }] = await admin((a) => a.fetchTopicOffsets('both'));
    expect(Number(low)).toBeGreaterThan(0); // the oldest segments went by size

    const before = await readAll('compacted');
    await broker.stop();
    // kill -9 mid-compaction: a replacement written but never renamed into place.
    const dir = path.join(dataDir, 'topics', 'compacted-0');
    fs.writeFileSync(path.join(dir, '00000000000000000000.log.cleaned'), Buffer.from('half a segment'));
    broker = await startTestBroker({}, dataDir);
    kafka = kafkaClient(broker);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.cleaned'))).toEqual([]);
    expect(await readAll('compacted')).toEqual(before);
    // The first run after a start cleans again and finds nothing to remove.
    expect(broker.cluster.cleanLogs()).toBe(0);
    expect(await readAll('compacted')).toEqual(before);
  });
});

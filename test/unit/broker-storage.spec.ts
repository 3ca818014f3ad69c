import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { crc32c } from '../../src/broker/protocol/crc32c';
import {
  BATCH_HEADER_BYTES,
  computeBatchCrc,
  InvalidRecordBatchError,
  lastOffset,
  readBatchHeader,
  setBaseOffset,
  setPartitionLeaderEpoch,
  splitBatches,
} from '../../src/broker/protocol/record-batch';
import { decodeRecords, encodeRecordBatch, EncodeBatchInput } from '../../src/broker/protocol/record-codec';
import { OffsetOutOfRangeError, PartitionLog, PartitionLogOptions } from '../../src/broker/storage/partition-log';
import { incrementSequence } from '../../src/broker/storage/producer-state';

const tempDirs: string[] = [];
function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'broker-storage-'));
  tempDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

const defaults: PartitionLogOptions = {
  segmentBytesMax: 64 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: -1,
  retentionBytes: -1,
};

/** A batch of `count` records whose values name their position, for checking reads. */
function batch(count: number, tag: string, extra: Partial<EncodeBatchInput> = {}): Buffer {
  const records = Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`k-${tag}-${i}`),
    value: Buffer.from(`v-${tag}-${i}`),
  }));
  return encodeRecordBatch({ baseTimestamp: 1_000n, ...extra, records });
}

function offsetsIn(blob: Buffer): bigint[] {
  return splitBatches(blob).flatMap((b) => decodeRecords(b.bytes).map((r) => r.offset));
}

function logFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
}

function bitwiseCrc32c(buf: Buffer): number {
  let c = -1;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
  });

  it('agrees with a bitwise implementation on arbitrary lengths and ranges', () => {
    for (let n = 0; n < 80; n++) {
      const buf = randomBytes(n * 3 + 1);
      const start = n % 4;
      expect(crc32c(buf, start)).toBe(bitwiseCrc32c(buf.subarray(start)));
    }
  });
});

describe('record batches', () => {
  it('round-trips encode, split and decode', () => {
    const a = encodeRecordBatch({
      baseTimestamp: 5_000n,
      records: [
        { key: null, value: Buffer.from('one'), timestampDelta: 3 },
        { key: Buffer.from('k'), value: null, headers: [{ key: 'h', value: Buffer.from('hv') }] },
      ],
    });
    const b = batch(3, 'b', { producerId: 7n, producerEpoch: 2, baseSequence: 10 });
    const blob = Buffer.concat([a, b]);
    const parts = splitBatches(blob);
    expect(parts).toHaveLength(2);
    expect(parts[0].bytes.buffer).toBe(blob.buffer); // subarrays, not copies

    const h = parts[0].header;
    expect(h.magic).toBe(2);
    expect(h.recordCount).toBe(2);
    expect(h.lastOffsetDelta).toBe(1);
    expect(h.baseTimestamp).toBe(5_000n);
    expect(h.maxTimestamp).toBe(5_003n);
    expect(h.producerId).toBe(-1n);
    expect(h.compression).toBe(0);
    expect(h.isTransactional).toBe(false);
    expect(parts[1].header).toMatchObject({ producerId: 7n, producerEpoch: 2, baseSequence: 10, recordCount: 3 });

    const recs = decodeRecords(parts[0].bytes);
    expect(recs[0]).toMatchObject({ offset: 0n, timestamp: 5_003n, key: null, value: Buffer.from('one'), headers: [] });
    expect(recs[1]).toMatchObject({ offset: 1n, key: Buffer.from('k'), value: null });
    expect(recs[1].headers).toEqual([{ key: 'h', value: Buffer.from('hv') }]);
    expect(splitBatches(Buffer.alloc(0))).toEqual([]);
  });

  it('rewrites base offset and leader epoch without invalidating the CRC', () => {
    const b = batch(2, 'x');
    setBaseOffset(b, 42n);
    setPartitionLeaderEpoch(b, 9);
    const [{ header }] = splitBatches(b);
    expect(header.baseOffset).toBe(42n);
    expect(header.partitionLeaderEpoch).toBe(9);
    expect(lastOffset(header)).toBe(43n);
    expect(decodeRecords(b).map((r) => r.offset)).toEqual([42n, 43n]);
  });

  function reasonOf(buf: Buffer): string | undefined {
    try {
      splitBatches(buf);
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidRecordBatchError);
      return (err as InvalidRecordBatchError).reason;
    }
    return undefined;
  }

  it('rejects a flipped byte, a truncated batch, old magic and nonsense counts', () => {
    const good = batch(2, 'x');
    const flipped = Buffer.from(good);
    flipped[BATCH_HEADER_BYTES + 3] ^= 0x01;
    expect(reasonOf(flipped)).toBe('corrupt');

    expect(reasonOf(good.subarray(0, good.length - 1))).toBe('corrupt');
    expect(reasonOf(Buffer.concat([good, good.subarray(0, 20)]))).toBe('corrupt');
    expect(reasonOf(good.subarray(0, 8))).toBe('corrupt');

    const magic1 = Buffer.from(good);
    magic1[16] = 1;
    expect(reasonOf(magic1)).toBe('unsupported_magic');

    const short = Buffer.from(good);
    short.writeInt32BE(20, 8);
    expect(reasonOf(short.subarray(0, 32))).toBe('corrupt');

    const negative = Buffer.from(good);
    negative.writeInt32BE(-1, 57);
    negative.writeUInt32BE(computeBatchCrc(negative, 0, negative.length), 17);
    expect(reasonOf(negative)).toBe('invalid');

    const codec7 = Buffer.from(good);
    codec7.writeInt16BE(0x07, 21);
    codec7.writeUInt32BE(computeBatchCrc(codec7, 0, codec7.length), 17);
    expect(reasonOf(codec7)).toBe('invalid');
  });
});

describe('PartitionLog', () => {
  it('assigns consecutive offsets and reads across segment rolls', () => {
    const dir = tempDir();
    const one = batch(3, 'size');
    // Room for two batches per segment.
    const log = PartitionLog.open(dir, { ...defaults, segmentBytesMax: one.length * 2 + 10, indexIntervalBytes: 1 });
    for (let i = 0; i < 10; i++) {
      const r = log.append([batch(3, `b${i}`)]);
      expect(r).toEqual({ baseOffset: BigInt(i * 3), lastOffset: BigInt(i * 3 + 2) });
    }
    const r = log.append([batch(1, 'p'), batch(2, 'q')]);
    expect(r).toEqual({ baseOffset: 30n, lastOffset: 32n });
    expect(log.logEndOffset).toBe(33n);
    expect(log.logStartOffset).toBe(0n);
    expect(logFiles(dir)).toEqual([
      '00000000000000000000.log',
      '00000000000000000006.log',
      '00000000000000000012.log',
      '00000000000000000018.log',
      '00000000000000000024.log',
      '00000000000000000030.log',
    ]);

    const all = log.read(0n, 1 << 20);
    expect(offsetsIn(all)).toEqual(Array.from({ length: 33 }, (_, i) => BigInt(i)));
    expect(all.length).toBe(log.sizeBytes);
    // The stored batches keep their records intact.
    expect(decodeRecords(splitBatches(all)[4].bytes)[1].value).toEqual(Buffer.from('v-b4-1'));

    // Every offset: the first batch returned is the one containing it.
    for (let o = 0n; o < 33n; o++) {
      const [first] = splitBatches(log.read(o, 1 << 20));
      expect(first.header.baseOffset <= o && o <= lastOffset(first.header)).toBe(true);
    }
    log.close();
  });

  it('returns the containing batch for a mid-batch offset and honours maxBytes with at least one batch', () => {
    const log = PartitionLog.open(tempDir(), defaults);
    const sizes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const b = batch(3, `m${i}`);
      sizes.push(b.length);
      log.append([b]);
    }
    const fromMiddle = splitBatches(log.read(4n, 1 << 20));
    expect(fromMiddle[0].header.baseOffset).toBe(3n);
    expect(fromMiddle).toHaveLength(3);

    const tiny = splitBatches(log.read(4n, 10));
    expect(tiny).toHaveLength(1);
    expect(tiny[0].header.baseOffset).toBe(3n);

    const two = splitBatches(log.read(0n, sizes[0] + sizes[1] + Math.floor(sizes[2] / 2)));
    expect(two.map((b) => b.header.baseOffset)).toEqual([0n, 3n]);

    expect(log.read(12n, 100).length).toBe(0);
    expect(() => log.read(13n, 100)).toThrow(OffsetOutOfRangeError);
    expect(() => log.read(-1n, 100)).toThrow(OffsetOutOfRangeError);
    log.close();
  });

  it('uses the sparse index for reads in a large segment', () => {
    const dir = tempDir();
    const log = PartitionLog.open(dir, { ...defaults, indexIntervalBytes: 512 });
    for (let i = 0; i < 300; i++) log.append([batch(1 + (i % 4), `i${i}`)]);
    const indexBytes = fs.statSync(path.join(dir, '00000000000000000000.index')).size;
    expect(indexBytes).toBeGreaterThan(0);
    expect(indexBytes % 8).toBe(0);
    const end = log.logEndOffset;
    for (let o = 0n; o < end; o += 7n) {
      const [first] = splitBatches(log.read(o, 1));
      expect(first.header.baseOffset <= o && o <= lastOffset(first.header)).toBe(true);
    }
    log.close();

    // The index written during appends equals the one rebuilt on open.
    const before = fs.readFileSync(path.join(dir, '00000000000000000000.index'));
    const reopened = PartitionLog.open(dir, { ...defaults, indexIntervalBytes: 512 });
    expect(fs.readFileSync(path.join(dir, '00000000000000000000.index')).equals(before)).toBe(true);
    reopened.close();
  });

  it('reopens with the same offsets and data', () => {
    const dir = tempDir();
    const opts = { ...defaults, segmentBytesMax: 400, indexIntervalBytes: 100 };
    const log = PartitionLog.open(dir, opts);
    for (let i = 0; i < 12; i++) log.append([batch(2, `r${i}`)]);
    const data = log.read(0n, 1 << 20);
    const end = log.logEndOffset;
    log.close();

    const again = PartitionLog.open(dir, opts);
    expect(again.recoveredTruncatedBytes).toBe(0);
    expect(again.logEndOffset).toBe(end);
    expect(again.logStartOffset).toBe(0n);
    expect(again.read(0n, 1 << 20).equals(data)).toBe(true);
    expect(again.append([batch(1, 'after')]).baseOffset).toBe(end);
    again.close();
  });

  it('opens an empty directory and an existing empty segment', () => {
    const dir = path.join(tempDir(), 'nested', 'p0');
    const log = PartitionLog.open(dir, defaults);
    expect(log.logStartOffset).toBe(0n);
    expect(log.logEndOffset).toBe(0n);
    expect(log.read(0n, 100).length).toBe(0);
    expect(log.offsetForTimestamp(0n)).toBeNull();
    log.close();
    const again = PartitionLog.open(dir, defaults);
    expect(again.logEndOffset).toBe(0n);
    expect(again.append([batch(1, 'x')]).baseOffset).toBe(0n);
    again.close();
  });

  describe('recovery', () => {
    function seeded(dir: string, opts = defaults): { end: bigint; sizeBytes: number; lastBatchBytes: number } {
      const log = PartitionLog.open(dir, opts);
      let last: Buffer = Buffer.alloc(0);
      for (let i = 0; i < 5; i++) {
        last = batch(3, `t${i}`);
        log.append([last]);
      }
      const result = { end: log.logEndOffset, sizeBytes: log.sizeBytes, lastBatchBytes: last.length };
      log.close();
      return result;
    }

    it('truncates half a batch at the tail and continues at the right offset', () => {
      const dir = tempDir();
      const { end, sizeBytes } = seeded(dir);
      const half = batch(3, 'torn');
      setBaseOffset(half, end);
      fs.appendFileSync(path.join(dir, '00000000000000000000.log'), half.subarray(0, half.length >> 1));

      const log = PartitionLog.open(dir, defaults);
      expect(log.recoveredTruncatedBytes).toBe(half.length >> 1);
      expect(fs.statSync(path.join(dir, '00000000000000000000.log')).size).toBe(sizeBytes);
      expect(log.logEndOffset).toBe(end);
      expect(log.append([batch(2, 'next')]).baseOffset).toBe(end);
      expect(offsetsIn(log.read(0n, 1 << 20))).toEqual(Array.from({ length: Number(end) + 2 }, (_, i) => BigInt(i)));
      log.close();
    });

    it('truncates random garbage at the tail', () => {
      const dir = tempDir();
      const { end, sizeBytes } = seeded(dir);
      fs.appendFileSync(path.join(dir, '00000000000000000000.log'), randomBytes(333));
      const log = PartitionLog.open(dir, defaults);
      expect(log.recoveredTruncatedBytes).toBe(333);
      expect(log.sizeBytes).toBe(sizeBytes);
      expect(log.logEndOffset).toBe(end);
      log.close();
    });

    it('drops a last batch whose CRC no longer matches', () => {
      const dir = tempDir();
      const { end, sizeBytes, lastBatchBytes } = seeded(dir);
      const file = path.join(dir, '00000000000000000000.log');
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 5] ^= 0xff;
      fs.writeFileSync(file, bytes);

      const log = PartitionLog.open(dir, defaults);
      expect(log.recoveredTruncatedBytes).toBe(lastBatchBytes);
      expect(log.recoveryProblem).toMatch(/CRC/);
      expect(log.sizeBytes).toBe(sizeBytes - lastBatchBytes);
      expect(log.logEndOffset).toBe(end - 3n);
      expect(log.append([batch(1, 'again')]).baseOffset).toBe(end - 3n);
      log.close();
    });

    it('drops segments after a torn older segment', () => {
      const dir = tempDir();
      const one = batch(3, 's0');
      const opts = { ...defaults, segmentBytesMax: one.length * 2 };
      const log = PartitionLog.open(dir, opts);
      for (let i = 0; i < 6; i++) log.append([batch(3, `s${i}`)]);
      log.close();
      expect(logFiles(dir)).toHaveLength(3);
      // The middle segment lost the second half of its last batch.
      const middle = path.join(dir, '00000000000000000006.log');
      fs.truncateSync(middle, fs.statSync(middle).size - 10);

      const again = PartitionLog.open(dir, opts);
      expect(logFiles(dir)).toEqual(['00000000000000000000.log', '00000000000000000006.log']);
      expect(again.logEndOffset).toBe(9n);
      expect(again.recoveredTruncatedBytes).toBe(one.length - 10 + one.length * 2);
      expect(again.append([batch(1, 'y')]).baseOffset).toBe(9n);
      again.close();
    });
  });

  describe('retention', () => {
    it('deletes oldest segments by size and advances the log start offset', () => {
      const dir = tempDir();
      const one = batch(3, 'x0');
      const log = PartitionLog.open(dir, { ...defaults, segmentBytesMax: one.length, retentionBytes: one.length * 3 });
      for (let i = 0; i < 8; i++) log.append([batch(3, `x${i}`)]);
      expect(logFiles(dir)).toHaveLength(8);

      expect(log.enforceRetention(Date.now())).toBe(5);
      expect(logFiles(dir)).toHaveLength(3);
      expect(log.logStartOffset).toBe(15n);
      expect(log.sizeBytes).toBe(one.length * 3);
      expect(() => log.read(14n, 100)).toThrow(OffsetOutOfRangeError);
      expect(splitBatches(log.read(15n, 1 << 20)).map((b) => b.header.baseOffset)).toEqual([15n, 18n, 21n]);
      expect(log.enforceRetention(Date.now())).toBe(0);
      log.close();

      const again = PartitionLog.open(dir, defaults);
      expect(again.logStartOffset).toBe(15n);
      expect(again.logEndOffset).toBe(24n);
      again.close();
    });

    it('deletes segments older than retentionMs but never the active one', () => {
      const dir = tempDir();
      const one = batch(3, 'x');
      const log = PartitionLog.open(dir, { ...defaults, segmentBytesMax: one.length, retentionMs: 60_000 });
      const now = 10_000_000;
      for (let i = 0; i < 3; i++) log.append([batch(3, `old${i}`, { baseTimestamp: BigInt(now - 120_000) })]);
      for (let i = 0; i < 2; i++) log.append([batch(3, `new${i}`, { baseTimestamp: BigInt(now - 1_000) })]);
      expect(log.enforceRetention(now)).toBe(3);
      expect(log.logStartOffset).toBe(9n);
      expect(() => log.read(0n, 100)).toThrow(OffsetOutOfRangeError);

      // Everything expired: the active segment still stays.
      expect(log.enforceRetention(now + 3_600_000)).toBe(1);
      expect(log.logStartOffset).toBe(12n);
      expect(log.logEndOffset).toBe(15n);
      log.close();
    });
  });

  describe('flush', () => {
    it('group-commits concurrent flushes into at most a couple of fsyncs', async () => {
      const log = PartitionLog.open(tempDir(), defaults);
      await log.flush(); // the new directory and segment
      const before = log.fsyncCount;
      for (let i = 0; i < 20; i++) log.append([batch(2, `f${i}`)]);
      const flushes = Array.from({ length: 50 }, () => log.flush());
      await expect(Promise.all(flushes)).resolves.toHaveLength(50);
      expect(log.fsyncCount - before).toBeLessThanOrEqual(3);
      expect(log.fsyncCount - before).toBeGreaterThanOrEqual(1);

      // Nothing new appended: no fsync at all.
      const idle = log.fsyncCount;
      await Promise.all([log.flush(), log.flush()]);
      expect(log.fsyncCount).toBe(idle);
      log.close();
    });

    it('covers appends made while an fsync is in flight with one more round', async () => {
      const log = PartitionLog.open(tempDir(), defaults);
      await log.flush();
      const before = log.fsyncCount;
      log.append([batch(1, 'a')]);
      const first = log.flush();
      log.append([batch(1, 'b')]); // after the round started: needs the next one
      const later = Array.from({ length: 50 }, () => log.flush());
      await Promise.all([first, ...later]);
      expect(log.fsyncCount - before).toBe(2);
      log.close();
    });

    it('also syncs a segment that was rolled away from before the flush', async () => {
      const dir = tempDir();
      const one = batch(2, 'x');
      const log = PartitionLog.open(dir, { ...defaults, segmentBytesMax: one.length });
      await log.flush();
      const before = log.fsyncCount;
      log.append([batch(2, 'a'), batch(2, 'b'), batch(2, 'c')]);
      await log.flush();
      // three segment files plus the directory for the two new ones
      expect(log.fsyncCount - before).toBe(4);
      log.close();
    });

    it('rejects flush on a closed log', async () => {
      const log = PartitionLog.open(tempDir(), defaults);
      log.close();
      await expect(log.flush()).rejects.toThrow(/closed/);
    });
  });

  describe('producer state', () => {
    const pid = 4242n;
    function idem(epoch: number, seq: number, count: number): Buffer {
      return batch(count, `p${epoch}-${seq}`, { producerId: pid, producerEpoch: epoch, baseSequence: seq });
    }
    function checkAndAppend(log: PartitionLog, b: Buffer) {
      const [{ header }] = splitBatches(b);
      const verdict = log.producers.check(header);
      if (verdict.kind === 'new') log.append([b]);
      return verdict;
    }

    it('deduplicates retries, enforces sequence order and epochs, and survives reopen', () => {
      const dir = tempDir();
      const log = PartitionLog.open(dir, defaults);
      log.append([batch(2, 'plain')]); // offsets 0-1, not idempotent

      expect(checkAndAppend(log, idem(0, 0, 3))).toEqual({ kind: 'new' }); // offsets 2-4
      expect(checkAndAppend(log, idem(0, 3, 2))).toEqual({ kind: 'new' }); // offsets 5-6
      expect(checkAndAppend(log, idem(0, 0, 3))).toEqual({ kind: 'duplicate', baseOffset: 2n, lastOffset: 4n });
      expect(checkAndAppend(log, idem(0, 3, 2))).toEqual({ kind: 'duplicate', baseOffset: 5n, lastOffset: 6n });
      expect(checkAndAppend(log, idem(0, 5, 1))).toEqual({ kind: 'new' }); // offset 7
      expect(checkAndAppend(log, idem(0, 9, 1))).toEqual({ kind: 'error', error: 'out_of_order_sequence' });
      expect(checkAndAppend(log, idem(0, 1, 2))).toEqual({ kind: 'error', error: 'out_of_order_sequence' });
      expect(log.logEndOffset).toBe(8n);
      log.close();

      const again = PartitionLog.open(dir, defaults);
      expect(again.producers.check(splitBatches(idem(0, 0, 3))[0].header)).toEqual({ kind: 'duplicate', baseOffset: 2n, lastOffset: 4n });
      expect(checkAndAppend(again, idem(0, 6, 1))).toEqual({ kind: 'new' }); // offset 8

      // Epoch bump: must restart at 0, and the old epoch is fenced.
      expect(checkAndAppend(again, idem(1, 5, 1))).toEqual({ kind: 'error', error: 'out_of_order_sequence' });
      expect(checkAndAppend(again, idem(1, 0, 1))).toEqual({ kind: 'new' }); // offset 9
      expect(checkAndAppend(again, idem(0, 7, 1))).toEqual({ kind: 'error', error: 'invalid_producer_epoch' });
      expect(checkAndAppend(again, idem(1, 1, 1))).toEqual({ kind: 'new' });

      // An unknown producer may start anywhere.
      const stranger = batch(1, 's', { producerId: 99n, producerEpoch: 3, baseSequence: 1234 });
      expect(again.producers.check(splitBatches(stranger)[0].header)).toEqual({ kind: 'new' });
      again.close();
    });

    it('remembers only the last five batches per producer', () => {
      const log = PartitionLog.open(tempDir(), defaults);
      for (let seq = 0; seq < 6; seq++) expect(checkAndAppend(log, idem(0, seq, 1))).toEqual({ kind: 'new' });
      expect(checkAndAppend(log, idem(0, 0, 1))).toEqual({ kind: 'error', error: 'out_of_order_sequence' });
      expect(checkAndAppend(log, idem(0, 1, 1))).toEqual({ kind: 'duplicate', baseOffset: 1n, lastOffset: 1n });
      log.close();
    });

    it('wraps sequence numbers after int32 max', () => {
      expect(incrementSequence(0x7fffffff, 1)).toBe(0);
      expect(incrementSequence(0x7ffffffe, 3)).toBe(1);
      const log = PartitionLog.open(tempDir(), defaults);
      expect(checkAndAppend(log, idem(0, 0x7ffffffe, 2))).toEqual({ kind: 'new' });
      expect(checkAndAppend(log, idem(0, 0, 1))).toEqual({ kind: 'new' });
      log.close();
    });
  });

  it('finds the exact first record at or after a timestamp, across segments', () => {
    const dir = tempDir();
    const one = batch(2, 'x');
    const log = PartitionLog.open(dir, { ...defaults, segmentBytesMax: one.length * 3, indexIntervalBytes: 1 });
    for (let i = 0; i < 9; i++) {
      // record timestamps 1000/1010, 2000/2010, ... 9000/9010 (second record is 10 ms later)
      log.append([
        encodeRecordBatch({
          baseTimestamp: BigInt((i + 1) * 1000),
          records: [
            { key: null, value: Buffer.from('a') },
            { key: null, value: Buffer.from('b'), timestampDelta: 10 },
          ],
        }),
      ]);
    }
    expect(log.offsetForTimestamp(0n)).toEqual({ offset: 0n, timestamp: 1000n });
    // Inside a batch: the record, not the batch's first offset (as Kafka answers).
    expect(log.offsetForTimestamp(1005n)).toEqual({ offset: 1n, timestamp: 1010n });
    expect(log.offsetForTimestamp(1010n)).toEqual({ offset: 1n, timestamp: 1010n });
    expect(log.offsetForTimestamp(1011n)).toEqual({ offset: 2n, timestamp: 2000n });
    expect(log.offsetForTimestamp(6500n)).toEqual({ offset: 12n, timestamp: 7000n });
    expect(log.offsetForTimestamp(9010n)).toEqual({ offset: 17n, timestamp: 9010n });
    expect(log.offsetForTimestamp(9011n)).toBeNull();
    log.close();
  });

  it('deleteRecordsBefore moves the log start offset durably, inside a segment or past all of them', () => {
    const dir = tempDir();
    const one = batch(2, 'b0');
    const opts = { ...defaults, segmentBytesMax: one.length * 2, indexIntervalBytes: 1 };
    let log = PartitionLog.open(dir, opts);
    for (let i = 0; i < 6; i++) log.append([batch(2, `b${i}`)]); // offsets 0-11, two batches per segment
    expect(log.segmentCount).toBe(3);
    expect(log.deleteRecordsBefore(5n)).toBe(5n);
    expect(log.segmentCount).toBe(2); // [0,4) went whole; [4,8) holds offset 5
    expect(log.logStartOffset).toBe(5n);
    expect(() => log.read(4n, 1 << 20)).toThrow(OffsetOutOfRangeError);
    expect(readBatchHeader(log.read(5n, 1 << 20)).baseOffset).toBe(4n); // the batch holding 5, as Kafka returns it
    expect(log.offsetForTimestamp(0n)?.offset).toBe(5n);
    expect(log.deleteRecordsBefore(3n)).toBe(5n); // never moves back
    expect(() => log.deleteRecordsBefore(13n)).toThrow(OffsetOutOfRangeError);
    log.close();

    log = PartitionLog.open(dir, opts);
    expect(log.logStartOffset).toBe(5n);
    expect(log.deleteRecordsBefore(log.logEndOffset)).toBe(12n);
    expect(log.segmentCount).toBe(1);
    expect(log.read(12n, 1 << 20).length).toBe(0);
    log.append([batch(1, 'after')]);
    expect(log.logEndOffset).toBe(13n);
    log.close();
    log = PartitionLog.open(dir, opts);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([12n, 13n]);
    log.close();
  });

  it('destroy removes the directory', () => {
    const dir = path.join(tempDir(), 'gone');
    const log = PartitionLog.open(dir, defaults);
    log.append([batch(1, 'x')]);
    log.destroy();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('reads the header fields it writes', () => {
    const b = batch(4, 'h', { producerId: 1n, producerEpoch: 2, baseSequence: 3, attributes: 0x10 });
    const h = readBatchHeader(b);
    expect(h).toMatchObject({ isTransactional: true, isControl: false, recordCount: 4, lastOffsetDelta: 3, batchLength: b.length - 12 });
  });
});

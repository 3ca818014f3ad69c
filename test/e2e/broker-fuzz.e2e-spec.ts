// Bad input never takes the broker down: malformed frames, unknown APIs and versions,
// corrupt record batches and a seeded mutation fuzzer, all over raw TCP. Afterwards a
// fresh kafkajs producer and consumer still work and the data written before is intact.
import * as net from 'node:net';
import { Kafka } from 'kafkajs';
import { RunningBroker, startBroker } from '../../src/broker';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { MESSAGES } from '../../src/broker/protocol/messages';
import { encodeRecordBatch } from '../../src/broker/protocol/record-codec';
import { Message, decodeMessage } from '../../src/broker/protocol/schema';
import { WireReader, WireWriter } from '../../src/broker/protocol/wire';
import { RawKafkaConnection } from '../support/raw-kafka';
import { eventually, kafkaClient, tempDir } from '../support/broker';

jest.setTimeout(60_000);

const REQUEST_BYTES_MAX = 1024 * 1024;
const API_VERSIONS = 18;
// Fixed by default so a failure replays exactly; override to explore (e.g. BROKER_FUZZ_SEED=7 BROKER_FUZZ_ITERATIONS=5000).
const FUZZ_SEED = Number(process.env.BROKER_FUZZ_SEED ?? 0x5eed_f00d);
const FUZZ_ITERATIONS = Number(process.env.BROKER_FUZZ_ITERATIONS ?? 500);
const FUZZ_BUDGET_MS = Number(process.env.BROKER_FUZZ_BUDGET_MS ?? 30_000);

// ---- a raw socket that reports frames, close, or silence ------------------------------

/** Framing violations in what the broker sent back; must stay empty. */
const badResponses: string[] = [];

type Outcome = { kind: 'frame'; frame: Buffer } | { kind: 'closed' } | { kind: 'timeout' };

class Probe {
  private buffered = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private wake: (() => void) | null = null;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      while (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (size < 0) {
          badResponses.push(`broker sent a response frame of size ${size}`);
          socket.destroy();
          return;
        }
        if (this.buffered.length < 4 + size) break;
        this.frames.push(this.buffered.subarray(4, 4 + size));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<Probe> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new Probe(socket));
      });
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Half-closes our side: the broker sees EOF. */
  end(): void {
    this.socket.end();
  }

  async next(timeoutMs: number): Promise<Outcome> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame) return { kind: 'frame', frame };
      if (this.closed) return { kind: 'closed' };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  async nextFrame(timeoutMs = 5000): Promise<Buffer> {
    const out = await this.next(timeoutMs);
    if (out.kind !== 'frame') throw new Error(`expected a response frame, got ${out.kind}`);
    return out.frame;
  }

  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      const out = await this.next(deadline - Date.now());
      if (out.kind === 'timeout') break;
    }
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

// ---- frame helpers -------------------------------------------------------------------------

/** A request frame with a hand-written header; `frameFor` cannot build unknown API keys. */
function headerFrame(apiKey: number, version: number, correlationId: number, body = Buffer.alloc(0)): Buffer {
  const w = new WireWriter(64 + body.length);
  const sizeAt = w.reserveInt32();
  w.int16(apiKey).int16(version).int32(correlationId).nullableString('fuzz').raw(body);
  w.patchInt32(sizeAt, w.length - 4);
  return w.toBuffer();
}

const correlationOf = (frame: Buffer): number => frame.readInt32BE(8);

function withPatchedSize(frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

/** Response body after the v0 header (correlation id), decoded at `version`. */
function decodeBody(apiKey: number, version: number, frame: Buffer): Message {
  const r = new WireReader(frame, 4);
  return decodeMessage(MESSAGES[apiKey].response, version, r);
}

/** xorshift32: a fixed seed gives the same byte stream on every run. */
function rngFrom(seed: number) {
  let x = seed >>> 0 || 1;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  return {
    next,
    int: (n: number): number => next() % n,
    bytes: (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => next() & 0xff)),
  };
}

/** CRC-32 (IEEE), as legacy v0/v1 messages carry it. */
function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A genuine magic-1 message set of one message (what a pre-0.11 producer sends). */
function legacyMessageSetV1(key: string, value: string): Buffer {
  const k = Buffer.from(key);
  const v = Buffer.from(value);
  const body = Buffer.alloc(1 + 1 + 8 + 4 + k.length + 4 + v.length);
  let at = body.writeInt8(1, 0); // magic
  at = body.writeInt8(0, at); // attributes
  at = body.writeBigInt64BE(BigInt(Date.now()), at);
  at = body.writeInt32BE(k.length, at);
  at += k.copy(body, at);
  at = body.writeInt32BE(v.length, at);
  v.copy(body, at);
  const out = Buffer.alloc(8 + 4 + 4 + body.length);
  out.writeBigInt64BE(0n, 0);
  out.writeInt32BE(4 + body.length, 8);
  out.writeUInt32BE(crc32(body), 12);
  body.copy(out, 16);
  return out;
}

describe('embedded broker under hostile input', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  let builder: RawKafkaConnection; // only used for frameFor()
  const warnings: string[] = [];
  const processFaults: string[] = [];
  const onFault = (err: unknown): void => void processFaults.push(err instanceof Error ? err.stack ?? err.message : String(err));

  const INTACT = 'intact-before-fuzz';
  const TARGET = 'fuzz-target';
  const preFuzz: { partition: number; key: string; value: string; headers: Record<string, string> }[] = [];
  let targetHighWatermark = -1n;

  async function highWatermark(topic: string, partition = 0): Promise<bigint> {
    const c = await RawKafkaConnection.connect(broker.port);
    try {
      const r = await c.request(2, 1, { replica_id: -1, topics: [{ name: topic, partitions: [{ partition_index: partition, timestamp: -1n }] }] });
      expect(r.topics[0].partitions[0].error_code).toBe(ErrorCode.NONE);
      return r.topics[0].partitions[0].offset as bigint;
    } finally {
      c.close();
    }
  }

  /** A fresh connection gets a correct ApiVersions v0 answer. */
  async function expectAlive(probe?: Probe): Promise<void> {
    const p = probe ?? (await Probe.connect(broker.port));
    try {
      const frame = builder.frameFor(API_VERSIONS, 0, {});
      p.send(frame);
      const reply = await p.nextFrame(5000);
      expect(reply.readInt32BE(0)).toBe(correlationOf(frame));
      const body = decodeBody(API_VERSIONS, 0, reply);
      expect(body.error_code).toBe(ErrorCode.NONE);
      expect(body.api_keys).toEqual(expect.arrayContaining([{ api_key: API_VERSIONS, min_version: 0, max_version: 3 }]));
    } finally {
      if (!probe) p.destroy();
    }
  }

  async function produceRaw(topic: string, records: Buffer | null, version = 7): Promise<Message> {
    const c = await RawKafkaConnection.connect(broker.port);
    try {
      const r = await c.request(0, version, {
        transactional_id: null,
        acks: -1,
        timeout_ms: 5000,
        topic_data: [{ name: topic, partition_data: [{ index: 0, records }] }],
      });
      return r.responses[0].partition_responses[0];
    } finally {
      c.close();
    }
  }

  const validBatch = (n = 2, tag = 'ok'): Buffer =>
    encodeRecordBatch({
      records: Array.from({ length: n }, (_, i) => ({
        key: Buffer.from(`${tag}-k${i}`),
        value: Buffer.from(`${tag}-v${i}`),
        headers: [{ key: 'h', value: Buffer.from(String(i)) }],
      })),
    });

  beforeAll(async () => {
    process.on('unhandledRejection', onFault);
    process.on('uncaughtException', onFault);
    broker = await startBroker(
      { port: 0, dataDir: tempDir('fuzz'), requestBytesMax: REQUEST_BYTES_MAX },
      { info: () => undefined, warn: (m) => void warnings.push(m) },
    );
    kafka = kafkaClient(broker, 'fuzz-test');
    builder = await RawKafkaConnection.connect(broker.port);

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: INTACT, numPartitions: 2 }, { topic: TARGET, numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 20; i++) {
      preFuzz.push({ partition: i % 2, key: `key-${i}`, value: `before-fuzz-${i}`, headers: { n: String(i), kind: 'pre' } });
    }
    await producer.send({ topic: INTACT, acks: -1, messages: preFuzz.slice(0, 10) });
    await producer.send({ topic: INTACT, acks: -1, messages: preFuzz.slice(10) });
    await producer.disconnect();

    expect((await produceRaw(TARGET, validBatch(3, 'target'))).error_code).toBe(ErrorCode.NONE);
    targetHighWatermark = await highWatermark(TARGET);
    expect(targetHighWatermark).toBe(3n);
  });

  afterAll(async () => {
    builder?.close();
    await broker?.stop();
    process.off('unhandledRejection', onFault);
    process.off('uncaughtException', onFault);
  });

  describe('framing', () => {
    it.each([
      ['negative', -1],
      ['most negative', -0x80000000],
      ['zero', 0],
      ['shorter than a request header', 7],
    ])('a %s frame size closes that connection, and only that one', async (_, size) => {
      const bystander = await Probe.connect(broker.port);
      const p = await Probe.connect(broker.port);
      const bytes = Buffer.alloc(4 + 16);
      bytes.writeInt32BE(size, 0);
      p.send(bytes);
      expect(await p.waitClosed(3000)).toBe(true);
      await expectAlive(bystander);
      bystander.destroy();
    });

    it('a frame size above requestBytesMax closes the connection without waiting for the body', async () => {
      const p = await Probe.connect(broker.port);
      const head = headerFrame(API_VERSIONS, 0, 77);
      head.writeInt32BE(REQUEST_BYTES_MAX + 1, 0);
      p.send(head); // promises 1 MiB + 1 byte, sends a dozen
      expect(await p.waitClosed(3000)).toBe(true);

      const huge = await Probe.connect(broker.port);
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(0x7fffffff, 0);
      huge.send(prefix);
      expect(await huge.waitClosed(3000)).toBe(true);
      await expectAlive();
    });

    it('a frame truncated mid-header, then EOF, is dropped quietly', async () => {
      const p = await Probe.connect(broker.port);
      const frame = headerFrame(API_VERSIONS, 0, 5);
      p.send(frame.subarray(0, 4 + 5)); // size + apiKey, version, one byte of the correlation id
      await new Promise((r) => setTimeout(r, 50));
      p.end();
      const out = await p.next(3000);
      expect(out.kind).not.toBe('frame');
      p.destroy();
      await expectAlive();
    });

    it('a half-sent frame on one connection does not hold up another', async () => {
      const stalled = await Probe.connect(broker.port);
      const frame = builder.frameFor(3, 1, { topics: [{ name: TARGET }] });
      stalled.send(frame.subarray(0, frame.length - 3));
      await expectAlive();
      // The rest arrives late and is answered normally.
      stalled.send(frame.subarray(frame.length - 3));
      const reply = await stalled.nextFrame();
      expect(reply.readInt32BE(0)).toBe(correlationOf(frame));
      expect(decodeBody(3, 1, reply).topics[0].name).toBe(TARGET);
      stalled.destroy();
    });

    it('requests dribbled one byte per segment, size prefix included, are answered in order', async () => {
      const p = await Probe.connect(broker.port);
      const first = builder.frameFor(API_VERSIONS, 0, {});
      const second = builder.frameFor(3, 1, { topics: [{ name: TARGET }] });
      const bytes = Buffer.concat([first, second]);
      for (let i = 0; i < bytes.length; i++) {
        p.send(bytes.subarray(i, i + 1));
        await new Promise((r) => setTimeout(r, 1));
      }
      const a = await p.nextFrame();
      const b = await p.nextFrame();
      expect([a.readInt32BE(0), b.readInt32BE(0)]).toEqual([correlationOf(first), correlationOf(second)]);
      expect(decodeBody(API_VERSIONS, 0, a).error_code).toBe(ErrorCode.NONE);
      expect(decodeBody(3, 1, b).topics[0].name).toBe(TARGET);
      p.destroy();
    });

    it('a Metadata request with a truncated body fails that request only', async () => {
      const p = await Probe.connect(broker.port);
      const full = builder.frameFor(3, 1, { topics: [{ name: 'some-topic' }, { name: 'another-topic' }] });
      // Valid header (22 bytes incl. size and client id), topic array count, then half a string.
      const cut = withPatchedSize(full.subarray(0, 22 + 4 + 6));
      p.send(cut);
      const out = await p.next(3000);
      if (out.kind === 'frame') expect(out.frame.readInt32BE(0)).toBe(correlationOf(cut));
      else expect(out.kind).toBe('closed');
      p.destroy();
      await expectAlive();
    });
  });

  describe('unknown APIs and versions', () => {
    it('an unknown API key closes the connection after the responses before it, as Apache Kafka does', async () => {
      const p = await Probe.connect(broker.port);
      const versions = builder.frameFor(API_VERSIONS, 0, {});
      const unknown = headerFrame(999, 0, 4242, Buffer.from('whatever follows'));
      const after = builder.frameFor(API_VERSIONS, 0, {});
      p.send(Buffer.concat([versions, unknown, after])); // pipelined
      const reply = await p.nextFrame();
      expect(reply.readInt32BE(0)).toBe(correlationOf(versions));
      expect(decodeBody(API_VERSIONS, 0, reply).error_code).toBe(ErrorCode.NONE);
      // Nothing answers the unknown request or anything sent after it.
      expect(await p.next(2000)).toEqual({ kind: 'closed' });
      await expectAlive();
    });

    it.each([
      ['Produce v0', 0, 0, { acks: 1, timeout_ms: 1000, topic_data: [] }],
      ['Produce v8', 0, 8, { acks: 1, timeout_ms: 1000, topic_data: [] }],
      ['Fetch v99', 1, 99, { max_wait_ms: 0, min_bytes: 0, topics: [] }],
      ['Fetch v3', 1, 3, { max_wait_ms: 0, min_bytes: 0, topics: [] }],
      ['Metadata v7', 3, 7, { topics: null }],
      ['OffsetFetch v6 (flexible)', 9, 6, { group_id: 'g', topics: [] }],
    ])('%s closes the connection without a response; other connections are unaffected', async (_, apiKey, version, body) => {
      const p = await Probe.connect(broker.port);
      const frame = builder.frameFor(apiKey, version, body);
      p.send(frame);
      expect(await p.next(2000)).toEqual({ kind: 'closed' });
      await expectAlive();
    });

    it('ApiVersions v9 is answered in v0 with UNSUPPORTED_VERSION and the supported ranges', async () => {
      const p = await Probe.connect(broker.port);
      const frame = builder.frameFor(API_VERSIONS, 9, { client_software_name: 'fuzz', client_software_version: '9.9' });
      p.send(frame);
      const reply = await p.nextFrame();
      expect(reply.readInt32BE(0)).toBe(correlationOf(frame));
      const body = decodeBody(API_VERSIONS, 0, reply);
      expect(body.error_code).toBe(ErrorCode.UNSUPPORTED_VERSION);
      const ranges = new Map((body.api_keys as Message[]).map((k) => [k.api_key, [k.min_version, k.max_version]]));
      expect(ranges.get(API_VERSIONS)).toEqual([0, 3]);
      expect(ranges.get(0)).toEqual([3, 7]);
      expect(ranges.get(1)).toEqual([4, 11]);
      expect(ranges.get(3)).toEqual([0, 6]);
      // The client retries with a version from the list, on the same connection.
      const retry = builder.frameFor(API_VERSIONS, 3, { client_software_name: 'fuzz', client_software_version: '9.9' });
      p.send(retry);
      const ok = await p.nextFrame();
      expect(ok.readInt32BE(0)).toBe(correlationOf(retry));
      const okBody = decodeBody(API_VERSIONS, 3, ok);
      expect(okBody.error_code).toBe(ErrorCode.NONE);
      expect(okBody.api_keys).toEqual(body.api_keys);
      p.destroy();
    });
  });

  describe('corrupt record batches', () => {
    const rng = rngFrom(0xbadc0de);
    const cases: [string, () => Buffer | null, number[]][] = [
      ['random bytes', () => rng.bytes(200), [ErrorCode.CORRUPT_MESSAGE, ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT]],
      ['a batch with one record byte flipped (CRC mismatch)', () => {
        const b = validBatch(3, 'crc');
        b[b.length - 5] ^= 0x20;
        return b;
      }, [ErrorCode.CORRUPT_MESSAGE]],
      ['a batch whose stored CRC is wrong', () => {
        const b = validBatch(3, 'crc');
        b[17] ^= 0x01;
        return b;
      }, [ErrorCode.CORRUPT_MESSAGE]],
      ['a v2 batch with its magic byte set to 1', () => {
        const b = validBatch(2, 'magic');
        b.writeInt8(1, 16);
        return b;
      }, [ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT]],
      ['a legacy magic-1 message set', () => legacyMessageSetV1('old', 'client'), [ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT]],
      ['a good batch followed by a torn one', () => {
        const torn = validBatch(2, 'torn');
        return Buffer.concat([validBatch(2, 'good'), torn.subarray(0, torn.length - 7)]);
      }, [ErrorCode.CORRUPT_MESSAGE]],
      ['a batch length pointing past the end', () => {
        const b = validBatch(1, 'long');
        b.writeInt32BE(b.length + 100, 8);
        return b;
      }, [ErrorCode.CORRUPT_MESSAGE]],
      ['a negative batch length', () => {
        const b = validBatch(1, 'neg');
        b.writeInt32BE(-5, 8);
        return b;
      }, [ErrorCode.CORRUPT_MESSAGE]],
      ['a header-only stub', () => validBatch(1, 'stub').subarray(0, 30), [ErrorCode.CORRUPT_MESSAGE]],
      ['null records', () => null, [ErrorCode.CORRUPT_MESSAGE]],
    ];

    it.each(cases)('Produce v7 with %s fails its partition and appends nothing', async (_, records, codes) => {
      const r = await produceRaw(TARGET, records());
      expect(codes).toContain(r.error_code);
      expect(r.base_offset).toBe(-1n);
      expect(await highWatermark(TARGET)).toBe(targetHighWatermark);
    });

    it('Produce v3 with a corrupt batch fails the same way', async () => {
      const b = validBatch(2, 'v3');
      b[b.length - 1] ^= 0xff;
      const r = await produceRaw(TARGET, b, 3);
      expect(r.error_code).toBe(ErrorCode.CORRUPT_MESSAGE);
      expect(await highWatermark(TARGET)).toBe(targetHighWatermark);
    });
  });

  describe('seeded mutation fuzzing', () => {
    it(`survives ${FUZZ_ITERATIONS} mutated requests of many APIs`, async () => {
      const rng = rngFrom(FUZZ_SEED);
      const batch = validBatch(3, 'fuzz');
      const commitTopics = [{ name: 'fz-produce', partitions: [{ partition_index: 0, committed_offset: 5n, committed_leader_epoch: -1, committed_metadata: 'm' }] }];
      const fetchTopics = [
        { topic: INTACT, partitions: [{ partition: 0, fetch_offset: 0n, partition_max_bytes: 65536 }, { partition: 1, fetch_offset: 3n, partition_max_bytes: 65536 }] },
        { topic: TARGET, partitions: [{ partition: 0, fetch_offset: 1n, partition_max_bytes: 65536 }] },
      ];
      const protocols = [{ name: 'range', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 3, 102, 111, 111]) }];
      const templates: [number, number, Message][] = [
        [18, 0, {}],
        [18, 3, { client_software_name: 'fuzz', client_software_version: '1.0' }],
        [3, 0, { topics: [{ name: 'fz-meta' }] }],
        [3, 1, { topics: null }],
        [3, 4, { topics: [{ name: 'fz-meta' }, { name: TARGET }], allow_auto_topic_creation: false }],
        [3, 6, { topics: [{ name: INTACT }], allow_auto_topic_creation: true }],
        [0, 3, { transactional_id: null, acks: 1, timeout_ms: 1000, topic_data: [{ name: 'fz-produce', partition_data: [{ index: 0, records: batch }] }] }],
        [0, 7, { transactional_id: null, acks: -1, timeout_ms: 1000, topic_data: [{ name: 'fz-produce', partition_data: [{ index: 0, records: batch }] }] }],
        [1, 4, { replica_id: -1, max_wait_ms: 20, min_bytes: 1, max_bytes: 1 << 20, isolation_level: 0, topics: fetchTopics }],
        [1, 11, { replica_id: -1, max_wait_ms: 20, min_bytes: 1, max_bytes: 1 << 20, isolation_level: 0, session_id: 0, session_epoch: -1, topics: fetchTopics, forgotten_topics_data: [], rack_id: '' }],
        [2, 1, { replica_id: -1, topics: [{ name: INTACT, partitions: [{ partition_index: 0, timestamp: -1n }, { partition_index: 1, timestamp: -2n }] }] }],
        [2, 3, { replica_id: -1, isolation_level: 0, topics: [{ name: TARGET, partitions: [{ partition_index: 0, timestamp: 0n }] }] }],
        [8, 2, { group_id: 'fz-commit', generation_id_or_member_epoch: -1, member_id: '', retention_time_ms: -1n, topics: commitTopics }],
        [8, 7, { group_id: 'fz-commit', generation_id_or_member_epoch: -1, member_id: '', group_instance_id: null, topics: commitTopics }],
        [9, 1, { group_id: 'fz-commit', topics: [{ name: 'fz-produce', partition_indexes: [0, 1] }] }],
        [9, 5, { group_id: 'fz-commit', topics: [{ name: 'fz-produce', partition_indexes: [0] }] }],
        [10, 0, { key: 'fz-join' }],
        [10, 2, { key: 'fz-join', key_type: 0 }],
        [11, 0, { group_id: 'fz-join', session_timeout_ms: 6000, member_id: '', protocol_type: 'consumer', protocols }],
        [11, 5, { group_id: 'fz-join', session_timeout_ms: 6000, rebalance_timeout_ms: 6000, member_id: '', group_instance_id: null, protocol_type: 'consumer', protocols }],
        [12, 0, { group_id: 'fz-join', generation_id: 1, member_id: 'nobody' }],
        [12, 3, { group_id: 'fz-join', generation_id: 1, member_id: 'nobody', group_instance_id: null }],
        [13, 0, { group_id: 'fz-join', member_id: 'nobody' }],
        [13, 3, { group_id: 'fz-join', members: [{ member_id: 'nobody', group_instance_id: null }] }],
        [14, 0, { group_id: 'fz-join', generation_id: 1, member_id: 'nobody', assignments: [{ member_id: 'nobody', assignment: Buffer.from([0, 1]) }] }],
        [14, 3, { group_id: 'fz-join', generation_id: 1, member_id: 'nobody', group_instance_id: null, assignments: [] }],
        [15, 0, { groups: ['fz-join', 'fz-commit'] }],
        [15, 4, { groups: ['fz-join'], include_authorized_operations: true }],
        [16, 0, {}],
        [16, 2, {}],
        [20, 0, { topic_names: ['fz-doomed'], timeout_ms: 1000 }],
        [22, 0, { transactional_id: null, transaction_timeout_ms: 1000 }],
        [22, 1, { transactional_id: null, transaction_timeout_ms: 1000 }],
        [2, 0, { replica_id: -1, topics: [{ name: INTACT, partitions: [{ partition_index: 0, timestamp: -1n, max_num_offsets: 1 }] }] }],
        [21, 1, { topics: [{ name: 'fz-produce', partitions: [{ partition_index: 0, offset: 1n }] }], timeout_ms: 1000 }],
        [32, 0, { resources: [{ resource_type: 2, resource_name: INTACT, configuration_keys: null }] }],
        [32, 3, { resources: [{ resource_type: 4, resource_name: '', configuration_keys: ['num.partitions'] }], include_synonyms: true, include_documentation: true }],
        [33, 1, { resources: [{ resource_type: 2, resource_name: 'fz-produce', configs: [{ name: 'retention.ms', value: '-1' }] }], validate_only: true }],
        [42, 1, { groups_names: ['fz-doomed-group'] }],
      ];
      // CreateTopics and CreatePartitions are left out on purpose: a flipped partition count
      // legitimately creates thousands of partitions, which tests disk speed, not robustness.
      const frames = templates.map(([apiKey, version, body]) => builder.frameFor(apiKey, version, body));
      // Unmutated, every template is a request the broker answers: the fuzzing starts from valid input.
      const check = await Probe.connect(broker.port);
      for (const [i, frame] of frames.entries()) {
        const [apiKey, version] = templates[i];
        check.send(frame);
        const reply = await check.nextFrame();
        expect(reply.readInt32BE(0)).toBe(correlationOf(frame));
        const r = new WireReader(reply, 4);
        decodeMessage(MESSAGES[apiKey].response, version, r);
        expect({ apiKey, version, trailing: r.remaining }).toEqual({ apiKey, version, trailing: 0 });
      }
      check.destroy();

      const INT32_EDGES = [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from([0x80, 0, 0, 0]), Buffer.from([0, 0, 0, 0])];
      /** Returns the bytes to send, and whether the size prefix still matches them. */
      const mutate = (original: Buffer): { bytes: Buffer; honestSize: boolean; how: string } => {
        let b = Buffer.from(original);
        const hows: string[] = [];
        const rounds = 1 + rng.int(3);
        for (let round = 0; round < rounds; round++) {
          switch (rng.int(5)) {
            case 0: {
              // flip bytes, a third of the time in the request header
              const flips = 1 + rng.int(4);
              for (let i = 0; i < flips; i++) {
                const at = rng.int(3) === 0 ? 4 + rng.int(Math.min(8, b.length - 4)) : 4 + rng.int(b.length - 4);
                b[at] ^= 1 + rng.int(255);
              }
              hows.push(`flip${flips}`);
              break;
            }
            case 1: {
              const keep = 4 + rng.int(Math.max(1, b.length - 4));
              b = b.subarray(0, keep);
              hows.push(`cut@${keep}`);
              break;
            }
            case 2: {
              const extra = 1 + rng.int(64);
              b = Buffer.concat([b, rng.bytes(extra)]);
              hows.push(`junk+${extra}`);
              break;
            }
            case 3: {
              if (b.length >= 8) {
                const at = 4 + rng.int(b.length - 7);
                INT32_EDGES[rng.int(INT32_EDGES.length)].copy(b, at);
                hows.push(`edge@${at}`);
              }
              break;
            }
            default: {
              const at = 4 + rng.int(Math.max(1, b.length - 4));
              if (at < b.length) b[at] = rng.int(256);
              hows.push(`set@${at}`);
            }
          }
        }
        // One time in twenty the size prefix is left lying (too long or too short).
        if (rng.int(20) === 0) {
          b.writeInt32BE(Math.max(0, original.length - 4 + rng.int(64) - 32), 0);
          return { bytes: b, honestSize: false, how: hows.concat('size-lies').join(',') };
        }
        b.writeInt32BE(b.length - 4, 0);
        return { bytes: b, honestSize: true, how: hows.join(',') };
      };

      const stats = { frames: 0, closed: 0, silent: 0, reusedConnections: 0, fresh: 0 };
      const started = Date.now();
      let probe: Probe | null = null;
      let done = 0;
      try {
        for (; done < FUZZ_ITERATIONS && Date.now() - started < FUZZ_BUDGET_MS; done++) {
          const t = rng.int(frames.length);
          const { bytes, honestSize, how } = mutate(frames[t]);
          if (!probe || probe.closed || !honestSize || rng.int(4) === 0) {
            probe?.destroy();
            probe = await Probe.connect(broker.port);
            stats.fresh++;
          } else stats.reusedConnections++;
          probe.send(bytes);
          if (!honestSize) probe.end();
          const out = await probe.next(250);
          if (out.kind === 'frame') {
            stats.frames++;
            // Whatever the broker makes of it, an answer goes to the request that asked.
            if (bytes.length >= 12 && honestSize) {
              const what = `iteration ${done} (template ${t}: api ${templates[t][0]} v${templates[t][1]}, ${how})`;
              expect({ what, correlationId: out.frame.readInt32BE(0) }).toEqual({ what, correlationId: bytes.readInt32BE(8) });
            }
          } else {
            if (out.kind === 'closed') stats.closed++;
            else stats.silent++;
            probe.destroy();
            probe = null;
          }
          if (done % 50 === 49) await expectAlive();
        }
      } finally {
        probe?.destroy();
      }
      const elapsed = Date.now() - started;
      // Visible with --verbose; handy when changing the seed.
      console.log(`fuzz (seed ${FUZZ_SEED}): ${done} requests in ${elapsed} ms`, stats, `${warnings.length} connections closed by the broker`);
      expect(done).toBeGreaterThanOrEqual(Math.min(FUZZ_ITERATIONS, 200));
      expect(stats.frames).toBeGreaterThan(done / 4); // the mutations are not all rejected at the door
      await expectAlive();
    });
  });

  describe('afterwards', () => {
    it('the broker is healthy: nothing escaped as a process fault', () => {
      expect(processFaults).toEqual([]);
      expect(badResponses).toEqual([]);
      // Every connection the broker dropped, it dropped for bad framing or a malformed request
      // (MalformedFrameError's messages) or for an API key or version it does not serve; anything else is the broker failing on its own.
      const expectedReason = /unsupported (version|API key)|request size -?\d+ outside|need -?\d+ bytes at|longer than \d+ bytes|null in|null array in|(string|bytes|array) length/;
      expect(warnings.filter((w) => !expectedReason.test(w))).toEqual([]);
    });

    it('the target topic still holds exactly its three good records', async () => {
      expect(await highWatermark(TARGET)).toBe(targetHighWatermark);
    });

    it('a new kafkajs producer and consumer work, and the data from before the fuzzing is intact', async () => {
      const producer = kafka.producer();
      await producer.connect();
      const [meta] = await producer.send({ topic: INTACT, acks: -1, messages: [{ key: 'after', value: 'after-fuzz', partition: 0, headers: { kind: 'post' } }] });
      expect(meta.errorCode).toBe(0);
      expect(meta.baseOffset).toBe('10');
      await producer.disconnect();

      const received: { partition: number; offset: number; key: string; value: string; headers: Record<string, string> }[] = [];
      const consumer = kafka.consumer({ groupId: 'after-fuzz-reader', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic: INTACT, fromBeginning: true });
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
            received.push({ partition, offset: Number(message.offset), key: message.key!.toString(), value: message.value!.toString(), headers });
          },
        });
        await eventually(() => received.length >= preFuzz.length + 1, 20_000, `${preFuzz.length + 1} messages`);
      } finally {
        await consumer.disconnect();
      }
      const expected = [0, 1].map((p) => {
        const rows = preFuzz.filter((m) => m.partition === p).map(({ key, value, headers }) => ({ key, value, headers }));
        if (p === 0) rows.push({ key: 'after', value: 'after-fuzz', headers: { kind: 'post' } });
        return rows.map((r, offset) => ({ partition: p, offset, ...r }));
      });
      for (const p of [0, 1]) {
        expect(received.filter((r) => r.partition === p)).toEqual(expected[p]);
      }
      expect(received).toHaveLength(preFuzz.length + 1);
    });
  });
});

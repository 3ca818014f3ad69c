// SASL/PLAIN on the embedded broker, required, with a test authenticate callback:
// kafkajs and kcat (librdkafka) authenticate and produce; a wrong password is refused;
// a principal producing to a topic it may not write gets TOPIC_AUTHORIZATION_FAILED;
// an unauthenticated client is cut off; the v0 handshake (raw token) works too.
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { BrokerSasl, Principal, RunningBroker } from '../../src/broker';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { MESSAGES } from '../../src/broker/protocol/messages';
import { Message, decodeMessage, encodeMessage, isFlexible } from '../../src/broker/protocol/schema';
import { WireReader, WireWriter } from '../../src/broker/protocol/wire';
import { startTestBroker } from '../support/broker';

jest.setTimeout(90_000);

const ALL_PASSWORD = 'intake_AllAccess000000000000000000000000000000';
const A_PASSWORD = 'intake_TopicAOnly00000000000000000000000000000';
const principals: Record<string, Principal> = {
  [ALL_PASSWORD]: { name: 'all', mayProduce: () => true, mayAdmin: () => true },
  [A_PASSWORD]: { name: 'a-only', mayProduce: (t) => t.startsWith('sasl-a'), mayAdmin: () => false },
};
const seen: { username: string }[] = [];
const sasl: BrokerSasl = {
  required: true,
  async authenticate(username, password) {
    seen.push({ username });
    return principals[password] ?? null;
  },
};

function client(broker: RunningBroker, auth: { username: string; password: string } | null, retries = 2): Kafka {
  const config: KafkaConfig = {
    clientId: 'sasl-test',
    brokers: [broker.address],
    logLevel: logLevel.NOTHING,
    retry: { retries, initialRetryTime: 50, maxRetryTime: 200 },
    connectionTimeout: 3000,
  };
  if (auth) config.sasl = { mechanism: 'plain', ...auth };
  return new Kafka(config);
}

interface KcatResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function kcat(broker: RunningBroker, args: string[], input = '', timeoutMs = 30_000): Promise<KcatResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kcat', ['-b', `127.0.0.1:${broker.port}`, '-X', 'broker.address.family=v4', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => undefined);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kcat ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const kcatSasl = (password: string): string[] => [
  '-X', 'security.protocol=SASL_PLAINTEXT',
  '-X', 'sasl.mechanisms=PLAIN',
  '-X', 'sasl.username=kcat-user',
  '-X', `sasl.password=${password}`,
];

/** A bare socket speaking frames, for what clients do not send on their own (v0 handshake, raw tokens). */
class RawClient {
  private buffered = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closed = false;
  private correlation = 1;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  send(apiKey: number, version: number, body: Message): number {
    const correlationId = this.correlation++;
    const w = new WireWriter(64);
    const at = w.reserveInt32();
    w.int16(apiKey).int16(version).int32(correlationId).nullableString('raw');
    if (isFlexible(MESSAGES[apiKey].request, version)) w.uvarint(0); // request header v2: tagged fields
    encodeMessage(MESSAGES[apiKey].request, version, body, w);
    w.patchInt32(at, w.length - 4);
    this.socket.write(w.toBuffer());
    return correlationId;
  }

  sendRaw(payload: Buffer): void {
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([size, payload]));
  }

  /** The next frame's payload, or 'closed'. */
  async next(timeoutMs = 5000): Promise<Buffer | 'closed'> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        return frame;
      }
      if (this.closed) return 'closed';
      if (Date.now() > deadline) throw new Error('no frame in time');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async response(apiKey: number, version: number): Promise<Message> {
    const frame = await this.next();
    if (frame === 'closed') throw new Error('connection closed');
    const r = new WireReader(frame);
    r.int32(); // correlation id; header v0 for these non-flexible versions
    return decodeMessage(MESSAGES[apiKey].response, version, r);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const plainToken = (user: string, password: string): Buffer => Buffer.from(`\u0000${user}\u0000${password}`);

describe('embedded broker with SASL/PLAIN required', () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await startTestBroker({ sasl });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('kafkajs with the right password produces, and a consumer reads it back', async () => {
    const kafka = client(broker, { username: 'someone', password: ALL_PASSWORD });
    const producer = kafka.producer();
    await producer.connect();
    const [meta] = await producer.send({ topic: 'sasl-open', acks: -1, messages: [{ key: 'k', value: 'v1' }, { value: 'v2' }] });
    expect(meta.errorCode).toBe(0);
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin.fetchTopicOffsets('sasl-open');
    expect(offsets.high).toBe('2');
    await admin.disconnect();
    expect(seen.some((s) => s.username === 'someone')).toBe(true);
  });

  it('kafkajs with a wrong password is refused with SASL_AUTHENTICATION_FAILED and its message', async () => {
    const producer = client(broker, { username: 'someone', password: 'intake_Wrong000000000000000000000000000000000' }).producer();
    await expect(producer.connect()).rejects.toThrow(/SASL PLAIN authentication failed: Authentication failed: Invalid username or password/);
    await producer.disconnect();
  });

  it('a principal producing to a topic it may not write gets TOPIC_AUTHORIZATION_FAILED (existing and missing topics)', async () => {
    const admin = client(broker, { username: 'root', password: ALL_PASSWORD }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'sasl-b-existing', numPartitions: 2 }, { topic: 'sasl-a-existing', numPartitions: 1 }] });
    await admin.disconnect();

    const kafka = client(broker, { username: 'limited', password: A_PASSWORD });
    const producer = kafka.producer();
    await producer.connect();
    const [ok] = await producer.send({ topic: 'sasl-a-existing', acks: -1, messages: [{ value: 'allowed' }] });
    expect(ok.errorCode).toBe(0);
    // A topic it may write that does not exist yet is auto-created, as for anyone.
    expect((await producer.send({ topic: 'sasl-a-new', acks: -1, messages: [{ value: 'allowed' }] }))[0].errorCode).toBe(0);
    // Produce answers TOPIC_AUTHORIZATION_FAILED for the partitions of an existing topic …
    await expect(producer.send({ topic: 'sasl-b-existing', acks: -1, messages: [{ value: 'no', partition: 1 }] })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    // … and Metadata for a missing one (which is not auto-created); kafkajs reports that one in its own words.
    await expect(producer.send({ topic: 'sasl-b-missing', acks: -1, messages: [{ value: 'no' }] })).rejects.toThrow(
      /Not authorized to access topics: \[Topic authorization failed\]/,
    );
    await producer.disconnect();

    // Admin APIs need an admin principal.
    const limitedAdmin = kafka.admin();
    await limitedAdmin.connect();
    await expect(limitedAdmin.createTopics({ topics: [{ topic: 'sasl-a-created' }] })).rejects.toThrow();
    await expect(limitedAdmin.deleteTopics({ topics: ['sasl-a-existing'], timeout: 1000 })).rejects.toThrow();
    expect(await limitedAdmin.listTopics()).toEqual(expect.arrayContaining(['sasl-a-existing', 'sasl-b-existing', 'sasl-a-new']));
    expect(await limitedAdmin.listTopics()).not.toEqual(expect.arrayContaining(['sasl-b-missing']));
    await limitedAdmin.disconnect();

    const rootAdmin = client(broker, { username: 'root', password: ALL_PASSWORD }).admin();
    await rootAdmin.connect();
    const offsets = await rootAdmin.fetchTopicOffsets('sasl-b-existing');
    expect(offsets.map((o) => o.high)).toEqual(['0', '0']);
    await rootAdmin.disconnect();
  });

  it('an unauthenticated kafkajs client is cut off', async () => {
    const admin = client(broker, null, 0).admin();
    await expect(admin.connect().then(() => admin.listTopics())).rejects.toThrow();
    await admin.disconnect();
  });

  it('a raw connection: ApiVersions is answered, then any other request before authentication closes it', async () => {
    const c = await RawClient.connect(broker.port);
    c.send(18, 0, {});
    const versions = await c.response(18, 0);
    const ranges = new Map((versions.api_keys as Message[]).map((k) => [k.api_key, [k.min_version, k.max_version]]));
    expect(ranges.get(17)).toEqual([0, 1]);
    expect(ranges.get(36)).toEqual([0, 2]);
    c.send(3, 6, { topics: null, allow_auto_topic_creation: false });
    expect(await c.next()).toBe('closed');
  });

  it('SaslAuthenticate v2 with a wrong password is answered (error 58, message), then the connection closes', async () => {
    const c = await RawClient.connect(broker.port);
    c.send(17, 1, { mechanism: 'PLAIN' });
    expect(await c.response(17, 1)).toEqual({ error_code: 0, mechanisms: ['PLAIN'] });
    c.send(36, 2, { auth_bytes: plainToken('x', 'bad') });
    const frame = await c.next();
    expect(frame).not.toBe('closed');
    const r = new WireReader(frame as Buffer);
    r.int32();
    r.uvarint(); // flexible response header: tagged fields
    expect(decodeMessage(MESSAGES[36].response, 2, r)).toMatchObject({
      error_code: ErrorCode.SASL_AUTHENTICATION_FAILED,
      error_message: 'Authentication failed: Invalid username or password',
    });
    expect(await c.next()).toBe('closed');
  });

  it('an unknown mechanism is answered with UNSUPPORTED_SASL_MECHANISM and the enabled list, then closed', async () => {
    const c = await RawClient.connect(broker.port);
    c.send(17, 1, { mechanism: 'SCRAM-SHA-256' });
    expect(await c.response(17, 1)).toEqual({ error_code: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] });
    expect(await c.next()).toBe('closed');
  });

  it('a v0 handshake takes the raw token next: an empty token answers success, requests follow; a bad one closes', async () => {
    const c = await RawClient.connect(broker.port);
    c.send(17, 0, { mechanism: 'PLAIN' });
    expect(await c.response(17, 0)).toEqual({ error_code: 0, mechanisms: ['PLAIN'] });
    c.sendRaw(plainToken('raw-user', ALL_PASSWORD));
    // Sent right behind the token, before its answer: judged after the authentication.
    c.send(3, 6, { topics: null, allow_auto_topic_creation: false });
    expect(await c.next()).toEqual(Buffer.alloc(0));
    const meta = await c.response(3, 6);
    expect((meta.topics as Message[]).map((t) => t.name)).toEqual(expect.arrayContaining(['sasl-open']));
    c.destroy();

    const bad = await RawClient.connect(broker.port);
    bad.send(17, 0, { mechanism: 'PLAIN' });
    await bad.response(17, 0);
    bad.sendRaw(plainToken('raw-user', 'wrong'));
    expect(await bad.next()).toBe('closed');
  });

  it('before authentication a frame over 512 KiB closes the connection', async () => {
    const c = await RawClient.connect(broker.port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(600 * 1024);
    (c as unknown as { socket: net.Socket }).socket.write(size);
    expect(await c.next()).toBe('closed');
  });

  it('kcat with SASL_PLAINTEXT/PLAIN produces, -L lists the broker, and -C reads back', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => `k${i}:kcat value ${i}`);
    const produced = await kcat(broker, [...kcatSasl(ALL_PASSWORD), '-P', '-t', 'sasl-kcat', '-K', ':'], lines.join('\n') + '\n');
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    const listed = await kcat(broker, [...kcatSasl(ALL_PASSWORD), '-L']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/1 brokers:\s+broker 0 at/);
    expect(listed.stdout).toContain('topic "sasl-kcat" with 1 partitions');
    const read = await kcat(broker, [...kcatSasl(ALL_PASSWORD), '-C', '-t', 'sasl-kcat', '-e', '-o', 'beginning', '-f', '%k|%s\\n']);
    expect(read.stdout.split('\n').filter(Boolean)).toEqual(lines.map((l) => l.replace(':', '|')));
  });

  it('kcat with a wrong password fails with an authentication error', async () => {
    const res = await kcat(broker, [...kcatSasl('intake_Wrong000000000000000000000000000000000'), '-L', '-m', '5']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/Authentication failed|SASL authentication error/i);
  });

  it('kcat with a principal that may not write the topic gets "Topic authorization failed"', async () => {
    const res = await kcat(broker, [...kcatSasl(A_PASSWORD), '-P', '-t', 'sasl-b-existing', '-p', '0'], 'nope\n');
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/authoriz/i);
  });
});

describe('embedded broker with SASL optional (loopback)', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startTestBroker({ sasl: { ...sasl, required: false } });
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('an unauthenticated client keeps full access; an authenticated one is limited by its principal', async () => {
    const open = client(broker, null).producer();
    await open.connect();
    expect((await open.send({ topic: 'opt-b', acks: -1, messages: [{ value: 'x' }] }))[0].errorCode).toBe(0);
    await open.disconnect();
    const limited = client(broker, { username: 'u', password: A_PASSWORD }).producer();
    await limited.connect();
    await expect(limited.send({ topic: 'opt-b', acks: -1, messages: [{ value: 'x' }] })).rejects.toMatchObject({ type: 'TOPIC_AUTHORIZATION_FAILED' });
    await limited.disconnect();
    const wrong = client(broker, { username: 'u', password: 'intake_Wrong000000000000000000000000000000000' }).producer();
    await expect(wrong.connect()).rejects.toThrow(/Invalid username or password/);
  });
});

describe('binding', () => {
  it('a broker asked to bind a non-loopback address without required SASL refuses to start', async () => {
    await expect(startTestBroker({ host: '0.0.0.0' })).rejects.toThrow(/requires SASL/);
    await expect(startTestBroker({ host: '0.0.0.0', sasl: { ...sasl, required: false } })).rejects.toThrow(/requires SASL/);
    const b = await startTestBroker({ host: '0.0.0.0', advertisedHost: '127.0.0.1', sasl });
    await b.stop();
  });
});

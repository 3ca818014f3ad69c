// The embedded broker as librdkafka sees it, through Debian's `kcat` (librdkafka 2.0.2):
// kcat produces and kafkajs reads, kafkajs produces and kcat reads, kcat's balanced
// consumer commits and leaves its group, and kcat -L lists the broker and its topics.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { RunningBroker } from '../../src/broker';
import { eventually, kafkaClient, startTestBroker } from '../support/broker';

jest.setTimeout(90_000);

const KCAT = 'kcat';

function assertKcatInstalled(): void {
  try {
    execFileSync(KCAT, ['-V'], { stdio: 'pipe', timeout: 10_000 });
  } catch (err) {
    throw new Error(
      `kcat is not on PATH (${(err as Error).message}). These interop tests need it: ` +
        '`apt-get install kcat` (Debian/Ubuntu; .ci/run installs it in CI).',
    );
  }
}

/** Rejects with `message()` if `promise` has not settled after `ms`; never leaves a timer behind. */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message())), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

interface KcatResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('embedded broker with kcat (librdkafka)', () => {
  let broker: RunningBroker;
  let kafka: Kafka;
  const children = new Set<ChildProcess>();

  /** Every kcat talks IPv4 to this broker only. */
  const baseArgs = (): string[] => ['-b', `127.0.0.1:${broker.port}`, '-X', 'broker.address.family=v4'];

  function startKcat(args: string[]): { child: ChildProcess; result: Promise<KcatResult>; stdout: () => string; stderr: () => string } {
    const child = spawn(KCAT, [...baseArgs(), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin!.on('error', () => undefined);
    const result = new Promise<KcatResult>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        children.delete(child);
        resolve({ code, signal, stdout, stderr });
      });
    });
    return { child, result, stdout: () => stdout, stderr: () => stderr };
  }

  /** Runs kcat to completion; fails (and kills it) after `timeoutMs`. */
  async function kcat(args: string[], input?: string | Buffer, timeoutMs = 30_000): Promise<KcatResult> {
    const run = startKcat(args);
    if (input !== undefined) run.child.stdin!.end(input);
    else run.child.stdin!.end();
    const res = await withTimeout(run.result, timeoutMs, () => {
      run.child.kill('SIGKILL');
      return `kcat ${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`;
    });
    if (res.code !== 0) throw new Error(`kcat ${args.join(' ')} exited with ${res.code ?? res.signal}\nstderr: ${res.stderr}`);
    return res;
  }

  async function createTopic(topic: string, numPartitions = 1): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions }] });
    } finally {
      await admin.disconnect();
    }
  }

  async function readWithKafkajs(topic: string, groupId: string, count: number) {
    const received: { key: string | null; value: string; headers: Record<string, string>; offset: number }[] = [];
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          received.push({
            key: message.key === null ? null : message.key.toString(),
            value: message.value!.toString(),
            headers,
            offset: Number(message.offset),
          });
        },
      });
      await eventually(() => received.length >= count, 30_000, `${count} messages on ${topic}`);
    } finally {
      await consumer.disconnect();
    }
    return received;
  }

  async function highWatermarks(topic: string): Promise<Map<number, string>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, o.high]));
    } finally {
      await admin.disconnect();
    }
  }

  beforeAll(async () => {
    assertKcatInstalled();
    broker = await startTestBroker();
    kafka = kafkaClient(broker);
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await broker?.stop();
  });

  it('kcat -P with -K and -H produces keyed messages with headers that kafkajs reads back', async () => {
    const topic = 'kcat-produced';
    await createTopic(topic);
    const lines = Array.from({ length: 20 }, (_, i) => `key-${i}:value ${i} from librdkafka`);
    await kcat(['-P', '-t', topic, '-K', ':', '-H', 'h1=v1', '-H', 'origin=kcat'], lines.join('\n') + '\n');

    const received = await readWithKafkajs(topic, 'kcat-produced-reader', lines.length);
    expect(received).toHaveLength(lines.length);
    expect(received.map((r) => r.key)).toEqual(lines.map((_, i) => `key-${i}`));
    expect(received.map((r) => r.value)).toEqual(lines.map((_, i) => `value ${i} from librdkafka`));
    expect(received.map((r) => r.offset)).toEqual(lines.map((_, i) => i));
    for (const r of received) expect(r.headers).toEqual({ h1: 'v1', origin: 'kcat' });
    expect((await highWatermarks(topic)).get(0)).toBe(String(lines.length));
  });

  it('kcat -C -e reads every message kafkajs produced, with keys and headers, and exits at the end', async () => {
    const topic = 'kafkajs-produced';
    await createTopic(topic);
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v-${i}`, headers: { idx: String(i), src: 'kafkajs' } }));
    // Several produce requests, so kcat reads more than one record batch.
    await producer.send({ topic, acks: -1, messages: sent.slice(0, 10) });
    await producer.send({ topic, acks: -1, messages: sent.slice(10, 20) });
    await producer.send({ topic, acks: 1, messages: sent.slice(20) });
    await producer.disconnect();

    const { stdout } = await kcat(['-C', '-t', topic, '-e', '-o', 'beginning', '-f', '%k|%s|%h|%o\\n']);
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    expect(lines).toEqual(sent.map((m, i) => `${m.key}|${m.value}|idx=${i},src=kafkajs|${i}`));
  });

  it('kcat -G consumes as a balanced group member, commits up to the high watermark and leaves on SIGINT', async () => {
    const topic = 'kcat-group';
    const groupId = 'kcat-balanced';
    await createTopic(topic, 3);
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 45 }, (_, i) => ({ key: `key-${i}`, value: `grouped-${i}`, partition: i % 3 }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();
    const hw = await highWatermarks(topic);
    expect([...hw.values()]).toEqual(['15', '15', '15']);

    const run = startKcat([
      '-G', groupId,
      '-o', 'beginning',
      '-X', 'auto.offset.reset=earliest',
      '-X', 'auto.commit.interval.ms=100',
      '-X', 'session.timeout.ms=6000',
      '-u',
      '-f', '%p|%o|%k|%s\\n',
      topic,
    ]);
    try {
      const lines = () => run.stdout().split('\n').filter((l) => l.length > 0);
      await eventually(() => lines().length >= sent.length || run.child.exitCode !== null, 45_000, `kcat -G to print ${sent.length} messages`).catch(
        (err: Error) => {
          throw new Error(`${err.message}\nstdout: ${run.stdout()}\nstderr: ${run.stderr()}`);
        },
      );
      expect(run.child.exitCode).toBeNull();
      const got = lines().map((l) => l.split('|'));
      expect(got).toHaveLength(sent.length);
      expect(new Set(got.map((g) => g[3]))).toEqual(new Set(sent.map((s) => s.value)));
      for (const [p, o, k, v] of got) {
        const i = Number(v.slice('grouped-'.length));
        expect([Number(p), k]).toEqual([i % 3, `key-${i}`]);
        expect(Number(o)).toBe(Math.floor(i / 3));
      }
    } finally {
      run.child.kill('SIGINT');
    }
    const exit = await withTimeout(run.result, 20_000, () => `kcat -G did not exit after SIGINT\nstderr: ${run.stderr()}`);
    expect(exit.signal === null ? exit.code : exit.signal).toBe(0);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      const byPartition = new Map(committed[0].partitions.map((p) => [p.partition, p.offset]));
      expect(byPartition).toEqual(hw);
      // The member left on close rather than waiting to time out.
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0].state).toBe('Empty');
      expect(groups[0].members).toHaveLength(0);
    } finally {
      await admin.disconnect();
    }
  });

  it('kcat -L lists the broker and the topics', async () => {
    const topic = 'kcat-listed';
    await createTopic(topic, 2);
    const all = await kcat(['-L']);
    expect(all.stdout).toContain(`broker ${broker.cluster.options.nodeId} at 127.0.0.1:${broker.port}`);
    expect(all.stdout).toMatch(new RegExp(`topic "${topic}" with 2 partitions:`));
    expect(all.stdout).toMatch(/topic "kcat-produced" with 1 partitions:/);

    const one = await kcat(['-L', '-t', topic]);
    expect(one.stdout).toMatch(/1 brokers:/);
    expect(one.stdout).toMatch(new RegExp(`topic "${topic}" with 2 partitions:`));
    expect(one.stdout).toMatch(/partition 0, leader 0, replicas: 0, isrs: 0/);
    expect(one.stdout).toMatch(/partition 1, leader 0, replicas: 0, isrs: 0/);
    expect(one.stdout).not.toContain('kcat-produced');
  });

  it('kcat -L sees partitions added by CreatePartitions; kcat -Q finds the exact record by timestamp; kcat -C starts at the DeleteRecords low watermark', async () => {
    const topic = 'kcat-admin';
    await createTopic(topic, 1);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createPartitions({ topicPartitions: [{ topic, count: 3 }] });
      const listed = await kcat(['-L', '-t', topic]);
      expect(listed.stdout).toMatch(new RegExp(`topic "${topic}" with 3 partitions:`));

      const producer = kafka.producer();
      await producer.connect();
      // One batch on partition 0: timestamps 1000, 2000, ... 6000.
      await producer.send({ topic, messages: Array.from({ length: 6 }, (_, i) => ({ value: `r${i}`, partition: 0, timestamp: String((i + 1) * 1000) })) });
      await producer.disconnect();
      const queried = await kcat(['-Q', '-t', `${topic}:0:2500`]);
      expect(queried.stdout).toMatch(new RegExp(`${topic} \\[0\\] offset 2\\b`));

      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });
    } finally {
      await admin.disconnect();
    }
    const { stdout } = await kcat(['-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-f', '%o %s\\n']);
    expect(stdout.trim().split('\n')).toEqual(['4 r4', '5 r5']);
  });

  it('a ~100 KB message goes through kcat -P and comes back intact through kcat -C and kafkajs', async () => {
    const topic = 'kcat-large';
    await createTopic(topic);
    // Printable, newline- and delimiter-free, so kcat's line reader sees one message.
    const big = randomBytes(75 * 1024).toString('base64'); // 100 KiB of base64
    expect(big.length).toBe(100 * 1024);
    await kcat(['-P', '-t', topic, '-K', '\\t', '-H', 'size=large'], `big-key\t${big}\nsmall-key\tsmall\n`);

    const { stdout } = await kcat(['-C', '-t', topic, '-e', '-o', 'beginning', '-f', '%k\\t%S\\t%s\\n']);
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(2);
    const [key, size, value] = lines[0].split('\t');
    expect(key).toBe('big-key');
    expect(Number(size)).toBe(big.length);
    expect(value === big).toBe(true); // not toEqual: a 100 KB diff is unreadable
    expect(lines[1]).toBe('small-key\t5\tsmall');

    const received = await readWithKafkajs(topic, 'kcat-large-reader', 2);
    expect(received[0].key).toBe('big-key');
    expect(received[0].value.length).toBe(big.length);
    expect(received[0].value === big).toBe(true);
    expect(received[0].headers).toEqual({ size: 'large' });
    expect(received[1].value).toBe('small');
  });
});

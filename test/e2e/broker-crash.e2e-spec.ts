// acks=-1 means durable before the response: kill the broker process with SIGKILL
// right after acknowledged writes and every acknowledged record is there on restart.
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { Kafka } from 'kafkajs';
import { eventually, kafkaClient, tempDir } from '../support/broker';

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '../..');

function spawnBroker(dataDir: string): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/broker/cli.ts'], {
    cwd: ROOT,
    env: { ...process.env, INTAKE_DATA_DIR: dataDir, INTAKE_BROKER_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, address: m[1] });
    });
    child.stderr!.on('data', (d) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`broker exited with ${code}: ${out}`)));
  });
}

describe('broker crash durability', () => {
  it('every record acknowledged with acks=-1 survives SIGKILL', async () => {
    const dataDir = tempDir('crash');
    const first = await spawnBroker(dataDir);
    let kafka: Kafka = kafkaClient(first);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const acknowledged: string[] = [];
    // Several producers' worth of concurrent sends share group-committed fsyncs.
    await Promise.all(
      Array.from({ length: 4 }, async (_, worker) => {
        for (let i = 0; i < 25; i++) {
          const value = `w${worker}-${i}`;
          await producer.send({ topic: 'crashy', acks: -1, messages: [{ key: value, value }] });
          acknowledged.push(value);
        }
      }),
    );
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    await producer.disconnect().catch(() => undefined);

    const second = await spawnBroker(dataDir);
    try {
      kafka = kafkaClient(second);
      const values: string[] = [];
      const consumer = kafka.consumer({ groupId: 'after-crash', sessionTimeout: 6000, heartbeatInterval: 500 });
      await consumer.connect();
      await consumer.subscribe({ topic: 'crashy', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
      await eventually(() => values.length >= acknowledged.length, 20_000, 'all acknowledged records');
      await consumer.disconnect();
      expect(new Set(values)).toEqual(new Set(acknowledged));
      expect(values).toHaveLength(acknowledged.length);
    } finally {
      second.child.kill('SIGTERM');
    }
  });
});

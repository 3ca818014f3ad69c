// Intake with its embedded broker started by bootstrap and INTAKE_BROKER_SASL=required
// (on loopback): the app's own client connects with its internal credential (writes go
// through the log), and a real token made with POST /v1/tokens is the SASL password:
// a collections:write token narrowed to `docs` may produce to intake.collection.docs and
// gets TOPIC_AUTHORIZATION_FAILED on intake.collection.other.
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { RunningIntake, startIntake } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { encodeVector } from '../../src/collections/vector-record';
import { LogClient } from '../../src/log/log-client';
import { TEST_ADMIN_TOKEN, http, withTestApp } from '../support/app';
import { tempDir } from '../support/temp-dir';

jest.setTimeout(120_000);

describe('Intake tokens as SASL/PLAIN passwords on the embedded broker', () => {
  const t = withTestApp({ broker: false, app: false });
  let app: RunningIntake;

  const kafka = (auth: { username: string; password: string } | null): Kafka => {
    const config: KafkaConfig = {
      clientId: 'sasl-app-test',
      brokers: app.brokers,
      logLevel: logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 200 },
      connectionTimeout: 3000,
    };
    if (auth) config.sasl = { mechanism: 'plain', ...auth };
    return new Kafka(config);
  };

  beforeAll(async () => {
    const config = loadConfig({
      PORT: '0',
      DATABASE_URL: t.pg.url,
      INTAKE_DATA_DIR: tempDir('sasl-app'),
      INTAKE_BROKER_PORT: '0',
      INTAKE_BROKER_SASL: 'required',
      INTAKE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      INTAKE_LOG_LEVEL: process.env.INTAKE_LOG_LEVEL ?? 'error',
    });
    expect(config.kafkaBrokers).toEqual([]);
    app = await startIntake(config);
    t.onTeardown(() => app.close());
  });

  it('the app writes through its SASL-authenticated client, and a narrowed token may produce only to its collection', async () => {
    for (const name of ['docs', 'other']) {
      const created = await http(app.url, 'POST', '/vectordb/collections', { name, dense_vector: { enabled: true, dimension: 4 } });
      expect(created.status).toBeLessThan(300);
    }
    const upsert = await http(app.url, 'POST', '/vectordb/collections/docs/streaming/upsert', {
      vectors: [{ id: 'a', dense_values: [0.1, 0.2, 0.3, 0.4] }],
    });
    expect(upsert.status).toBe(200);

    const made = await http(app.url, 'POST', '/v1/tokens', { name: 'docs-writer', scopes: ['collections:write'], resources: { collections: ['docs'] } });
    expect(made.status).toBe(201);
    const secret: string = made.body.token;

    const producer = kafka({ username: 'docs-writer', password: secret }).producer();
    await producer.connect();
    const [ok] = await producer.send({ topic: 'intake.collection.docs', acks: -1, messages: [{ key: 'b', value: 'not a vector record' }] });
    expect(ok.errorCode).toBe(0);
    await expect(producer.send({ topic: 'intake.collection.other', acks: -1, messages: [{ key: 'b', value: 'x' }] })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
    await producer.disconnect();

    // The admin token may write anywhere; an unknown or revoked token, or none, is refused.
    const adminProducer = kafka({ username: 'admin', password: TEST_ADMIN_TOKEN }).producer();
    await adminProducer.connect();
    expect((await adminProducer.send({ topic: 'intake.collection.other', acks: -1, messages: [{ value: 'x' }] }))[0].errorCode).toBe(0);
    await adminProducer.disconnect();

    expect((await http(app.url, 'DELETE', `/v1/tokens/${made.body.id}`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 600)); // past the token cache (≤ 0.5 s)
    const revoked = kafka({ username: 'docs-writer', password: secret }).producer();
    await expect(revoked.connect()).rejects.toThrow(/Invalid username or password/);
    const anonymous = kafka(null).admin();
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow();
    await anonymous.disconnect();
  });

  it('reads end offsets in process, as ListOffsets answers them, and a strong search sees a backlog produced just before it', async () => {
    const topic = 'intake.collection.strong';
    expect((await http(app.url, 'POST', '/vectordb/collections', { name: 'strong', dense_vector: { enabled: true, dimension: 4 }, shards: 1 })).status).toBe(201);
    const client = kafka({ username: 'admin', password: TEST_ADMIN_TOKEN });
    const producer = client.producer();
    const admin = client.admin();
    await Promise.all([producer.connect(), admin.connect()]);
    try {
      const vectors = Array.from({ length: 20_000 }, (_, i) => [Math.cos(i), Math.sin(i), Math.cos(i / 7), 1 + (i % 13)]);
      for (let s = 0; s < vectors.length; s += 2_000) {
        await producer.send({
          topic,
          acks: -1,
          messages: vectors.slice(s, s + 2_000).map((v, i) => ({ key: `k${s + i}`, value: encodeVector(v), headers: { 'intake-op': 'upsert' }, partition: 0 })),
        });
      }
      const hit = await http(app.url, 'POST', '/vectordb/collections/strong/search/dense', { query_vector: vectors[vectors.length - 1], top_k: 1 });
      expect(hit.body.results[0]?.id).toBe(`k${vectors.length - 1}`);

      const log = app.app.get(LogClient);
      expect(log.options.localEndOffsets).toBeDefined();
      const viaProtocol = await admin.fetchTopicOffsets(topic);
      expect([...(await log.endOffsets(topic))]).toEqual(viaProtocol.map((o) => [o.partition, BigInt(o.high)]));
      expect(await log.endOffsets(topic)).toEqual(new Map([[0, 20_000n]]));
    } finally {
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    }
  });
});

// Intake with its embedded broker started by bootstrap and INTAKE_BROKER_SASL=required
// (on loopback): the app's own client connects with its internal credential (writes go
// through the log), and a real token made with POST /v1/tokens is the SASL password:
// a collections:write token narrowed to `docs` may produce to intake.collection.docs and
// gets TOPIC_AUTHORIZATION_FAILED on intake.collection.other.
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { RunningIntake, startIntake } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
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
});

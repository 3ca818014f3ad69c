// The embedded broker's admin surface through kafkajs 2.2.4 (and what it refuses, quickly).
import { Kafka, logLevel } from 'kafkajs';
import { RunningBroker } from '../../src/broker';
import { startTestBroker } from '../support/broker';

jest.setTimeout(60_000);

describe('embedded broker admin APIs with kafkajs', () => {
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await startTestBroker();
  });

  afterAll(async () => {
    await broker.stop();
  });

  it('a transactional producer fails fast (no transaction coordinator) instead of retrying', async () => {
    // kafkajs's default retry budget: a retriable answer would keep it busy for ~15 s or more.
    const kafka = new Kafka({ clientId: 'tx-test', brokers: [broker.address], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ transactionalId: 'tx-1', idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const started = Date.now();
    await expect(producer.transaction()).rejects.toThrow(/coordinator/i);
    expect(Date.now() - started).toBeLessThan(3000);
    await producer.disconnect();
  });
});

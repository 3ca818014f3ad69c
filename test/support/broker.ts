// One place that starts an embedded broker on a temporary data dir for a test file.
import { Kafka, logLevel } from 'kafkajs';
import { BrokerOptions, RunningBroker, startBroker } from '../../src/broker';
import { tempDir } from './temp-dir';

export const quietLogger = { info: () => undefined, warn: () => undefined };

export { tempDir } from './temp-dir';

export async function startTestBroker(options: Partial<BrokerOptions> = {}, dataDir = tempDir('broker')): Promise<RunningBroker> {
  return startBroker({ port: 0, ...options, dataDir }, quietLogger);
}

export function kafkaClient(broker: { address: string }, clientId = 'intake-test'): Kafka {
  return new Kafka({
    clientId,
    brokers: [broker.address],
    logLevel: process.env.KAFKAJS_LOG_LEVEL ? Number(process.env.KAFKAJS_LOG_LEVEL) : logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 50, maxRetryTime: 1000 },
  });
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

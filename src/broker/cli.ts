// `npm run broker`: the embedded broker alone, for people who want a local
// Kafka-compatible log without the rest of Intake. Reads the same variables as
// Intake itself (INTAKE_BROKER_PORT, INTAKE_DATA_DIR); the broker folder has no
// config module of the app to lean on, so this entry point reads them directly.
// It has no SASL (no tokens to check), so it binds loopback addresses only: another
// INTAKE_BROKER_HOST is refused by the broker itself (config.ts).

import * as path from 'node:path';
import { startBroker } from './index';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number 0-65535, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const dataDir = path.join(process.env.INTAKE_DATA_DIR || './data', 'log');
  const port = intFromEnv('INTAKE_BROKER_PORT', 9092);
  const broker = await startBroker({ dataDir, port, host: process.env.INTAKE_BROKER_HOST || '127.0.0.1' });
  console.log(`intake broker listening on ${broker.address} (data in ${path.resolve(dataDir)})`);
  const shutdown = (signal: string): void => {
    console.log(`intake broker: ${signal}, stopping`);
    broker.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

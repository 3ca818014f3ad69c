// A child process that runs one shared-mode CountingSurface runner until killed:
// a "node" for the two-node materializer test. Args: brokers, databaseUrl, topic, partitions, node.
import { DataSource } from 'typeorm';
import { createDataSourceOptions } from '../../src/database/data-source';
import { LogClient } from '../../src/log/log-client';
import { CountingSurface, countingRunner } from './counting-surface';

async function main(): Promise<void> {
  const [brokers, databaseUrl, topic, partitions, node] = process.argv.slice(2);
  const dataSource = new DataSource(createDataSourceOptions(databaseUrl));
  await dataSource.initialize();
  const log = new LogClient({ brokers: [brokers], clientId: node });
  await log.connect();
  const surface = new CountingSurface('shared', topic, Number(partitions), node);
  const runner = countingRunner(surface, log, dataSource);
  await runner.start();
  process.stdout.write('ready\n');
  const stop = async () => {
    await runner.stop();
    await log.close();
    await dataSource.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

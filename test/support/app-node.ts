// A child process running one whole Intake node until killed: for tests that SIGKILL
// the app (exactly once) or run two nodes on one broker and one Postgres.
// Args: brokers, databaseUrl, dataDir, nodeId. Prints `ready <url>` when it serves.
import { startIntake } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { TEST_ADMIN_TOKEN } from './app';

async function main(): Promise<void> {
  const [brokers, databaseUrl, dataDir, nodeId] = process.argv.slice(2);
  const app = await startIntake(
    loadConfig({
      PORT: '0',
      KAFKA_BROKERS: brokers,
      DATABASE_URL: databaseUrl,
      INTAKE_DATA_DIR: dataDir,
      INTAKE_NODE_ID: nodeId,
      INTAKE_LOG_LEVEL: 'error',
      INTAKE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      INTAKE_RATE_LIMIT_REQUESTS_PER_SECOND: '1000000',
    }),
  );
  process.stdout.write(`ready ${app.url}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// `npm ci && npm start` as root from a clone that others cannot traverse (a root
// home, mode 700): the embedded Postgres runs as the `postgres` user, so its cluster
// and its binaries must sit where that user can reach them. Here the data dir is
// under a mode-700 directory and Postgres is run from the staged copy of its
// packages, as it is when node_modules itself is out of reach.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

jest.setTimeout(180_000);

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
// Only root hands Postgres to the `postgres` user; as anyone else it runs as that user, and there is nothing to relocate.
const describeAsRoot = asRoot ? describe : describe.skip;
if (!asRoot) console.log('embedded-postgres-root: skipped, not running as root (the relocation only happens for root)');

describeAsRoot('embedded Postgres as root under a directory others cannot traverse', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });

  it('starts, keeps its data across a restart, and puts nothing the postgres user cannot reach in its way', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-roothome-'));
    fs.chmodSync(home, 0o700);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-state-'));
    fs.chmodSync(stateDir, 0o755);
    made.push(home, stateDir);
    const dataDir = path.join(home, 'clone', 'data', 'pg');

    const first = await startEmbeddedPostgres({ dataDir, port: 0, stateDir, binaries: 'staged' });
    try {
      expect(fs.lstatSync(dataDir).isSymbolicLink()).toBe(true);
      expect(first.dataDir.startsWith(path.join(stateDir, 'pg') + path.sep)).toBe(true);
      expect(fs.readFileSync(path.join(first.dataDir, 'intake-data-dir'), 'utf8').trim()).toBe(dataDir);
      const client = new Client({ connectionString: first.url });
      await client.connect();
      await client.query('CREATE TABLE kept (v text)');
      await client.query("INSERT INTO kept VALUES ('still here')");
      await client.end();
    } finally {
      await first.stop();
    }
    // Postgres ran from the copy under the state dir, not from node_modules.
    const copies = fs.readdirSync(path.join(stateDir, 'postgres'));
    expect(copies).toHaveLength(1);
    expect(fs.existsSync(path.join(stateDir, 'postgres', copies[0], 'node_modules', '.intake-complete'))).toBe(true);

    const second = await startEmbeddedPostgres({ dataDir, port: 0, stateDir, binaries: 'staged' });
    try {
      expect(second.dataDir).toBe(first.dataDir);
      const client = new Client({ connectionString: second.url });
      await client.connect();
      const { rows } = await client.query('SELECT v FROM kept');
      await client.end();
      expect(rows).toEqual([{ v: 'still here' }]);
    } finally {
      await second.stop();
    }
  });
});

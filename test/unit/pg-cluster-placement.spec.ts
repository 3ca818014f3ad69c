// Where the embedded Postgres cluster goes when Intake runs as root: in place when
// the postgres user can walk to it, otherwise under the state dir, linked from the
// data dir so every later start finds the same cluster.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { placeCluster, traversableByOthers } from '../../src/database/embedded-postgres';

function dir(mode: number): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'intake-placement-'));
  fs.chmodSync(d, mode);
  return d;
}

describe('placeCluster', () => {
  const made: string[] = [];
  const track = (d: string) => (made.push(d), d);
  afterAll(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });

  it('keeps the cluster in the data dir when every parent lets others through', async () => {
    const parent = track(dir(0o755));
    const state = track(dir(0o755));
    const dataDir = path.join(parent, 'data', 'pg');
    expect(await traversableByOthers(parent)).toBe(true);
    expect(await placeCluster(dataDir, state)).toBe(dataDir);
    expect(fs.readdirSync(state)).toEqual([]);
  });

  it('puts it under the state dir behind a symlink when a parent is mode 700, and finds the same one again', async () => {
    const home = track(dir(0o700));
    const state = track(dir(0o755));
    const dataDir = path.join(home, 'clone', 'data', 'pg');
    expect(await traversableByOthers(path.dirname(dataDir)).catch(() => false)).toBe(false);

    const first = await placeCluster(dataDir, state);
    expect(path.dirname(first)).toBe(path.join(state, 'pg'));
    expect(fs.lstatSync(dataDir).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(dataDir)).toBe(first);
    expect((fs.statSync(path.join(state, 'pg')).mode & 0o777).toString(8)).toBe('755');

    expect(await placeCluster(dataDir, state)).toBe(first);

    // A data dir removed and made again starts a new cluster, never the old one.
    fs.rmSync(path.join(home, 'clone', 'data'), { recursive: true });
    const second = await placeCluster(dataDir, state);
    expect(second).not.toBe(first);
    expect(path.dirname(second)).toBe(path.join(state, 'pg'));
  });

  it('leaves an existing directory where it is, reachable or not (moving data is not its call)', async () => {
    const home = track(dir(0o700));
    const state = track(dir(0o755));
    const dataDir = path.join(home, 'data', 'pg');
    fs.mkdirSync(dataDir, { recursive: true });
    expect(await placeCluster(dataDir, state)).toBe(dataDir);
    expect(fs.readdirSync(state)).toEqual([]);
  });
});

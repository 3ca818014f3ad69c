// One way for a test to get a fresh directory of its own under the OS temp dir.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

/**
 * A new empty directory `intake-<prefix>-XXXXXX`. mkdtemp makes it 0700; pass
 * `mode` to open it up (as root, Postgres runs as the `postgres` user, which must
 * be able to enter its data dir: 0o755).
 */
export function tempDir(prefix: string, options: { mode?: number } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `intake-${prefix}-`));
  if (options.mode !== undefined) fs.chmodSync(dir, options.mode);
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this test file: `afterAll(removeTempDirs)`. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// Replaces a whole checkpoint directory (hnsw graph + sidecar + applied offsets) so that
// after a crash at ANY point the directory holds either the complete old checkpoint or the
// complete new one, never a mix. Directories cannot be rename()d over a non-empty target,
// so the old one is moved aside first; the short window where `target` does not exist is
// covered by cleanupStaleTemps(), which must run at start-up before anything reads the
// checkpoints or starts writing new ones.
//
// Steps of writeDirAtomically(target) and what a crash (process or power loss) leaves:
//   1. mkdir T = target.tmp-<pid>-<n>; write(T); fsync every file, every subdir, T.
//      Crash: target untouched (old checkpoint); T is garbage -> cleanup deletes it.
//   2. rename target -> A = target.old-<pid>-<n>            (skipped on the first checkpoint)
//      Crash: target missing, A = complete old checkpoint, T = new one -> cleanup renames A
//      back to target (old checkpoint wins: we cannot tell from T alone that it finished)
//      and deletes T.
//   3. rename T -> target.
//      Crash before 4: the two renames are not yet durable; after reboot the directory shows
//      the state after 1, 2 or 3 (journaling file systems persist renames of one directory
//      in order), each handled above or below. Either old or new.
//   4. fsync(parent): both renames are durable; target = new checkpoint.
//   5. rm -r A.  Crash: target exists, so cleanup just deletes the partial A.
// The caller's data never depends on A or T after the function returns.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { fsyncDir, fsyncTree } from '../common/fsync';

const LEFTOVER = /^(.+)\.(tmp|old)-(\d+)-(\d+)$/;
// Checkpoints are written by shard worker threads too, each with its own copy of this
// module: the thread id keeps their names apart (a restarted worker starts at 0 again).
let sequence = threadId * 1_000_000_000;

export function writeDirAtomically(targetDir: string, write: (tmpDir: string) => void): void {
  const target = path.resolve(targetDir);
  const parent = path.dirname(target);
  const n = sequence++;
  const tmp = `${target}.tmp-${process.pid}-${n}`;
  const aside = `${target}.old-${process.pid}-${n}`;

  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  try {
    write(tmp);
    fsyncTree(tmp);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }

  let movedAside = false;
  try {
    fs.renameSync(target, aside);
    movedAside = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
  }
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    // Put the old checkpoint back so the caller (and the next start) still sees it.
    if (movedAside) fs.renameSync(aside, target);
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  fsyncDir(parent);
  if (movedAside) fs.rmSync(aside, { recursive: true, force: true });
}

export interface CleanupReport {
  /** Leftover temp or aside directories deleted. */
  removed: string[];
  /** Aside directories renamed back because their target was missing (crash in step 2-3). */
  restored: string[];
}

/**
 * Start-up recovery for every checkpoint directory directly inside `parentDir`. Must not run
 * while a writeDirAtomically into the same parent is in progress (it would delete its temp);
 * `only` limits it to one target's leftovers (a shard reopened after its worker died).
 */
export function cleanupStaleTemps(parentDir: string, only?: string): CleanupReport {
  const report: CleanupReport = { removed: [], restored: [] };
  let entries: string[];
  try {
    entries = fs.readdirSync(parentDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return report;
    throw err;
  }
  const asideByTarget = new Map<string, string[]>();
  for (const name of entries) {
    const m = LEFTOVER.exec(name);
    if (!m || (only !== undefined && m[1] !== only)) continue;
    const full = path.join(parentDir, name);
    if (m[2] === 'tmp') {
      fs.rmSync(full, { recursive: true, force: true });
      report.removed.push(full);
    } else {
      const list = asideByTarget.get(m[1]) ?? [];
      list.push(full);
      asideByTarget.set(m[1], list);
    }
  }
  for (const [base, asides] of asideByTarget) {
    const target = path.join(parentDir, base);
    let toRemove = asides;
    if (!fs.existsSync(target)) {
      // Normally exactly one. Several can only appear if writers skipped this recovery;
      // the most recently moved aside (rename updates ctime) is the newest checkpoint.
      const newestFirst = [...asides].sort((a, b) => fs.statSync(b).ctimeMs - fs.statSync(a).ctimeMs);
      fs.renameSync(newestFirst[0], target);
      report.restored.push(target);
      toRemove = newestFirst.slice(1);
    }
    for (const a of toRemove) {
      fs.rmSync(a, { recursive: true, force: true });
      report.removed.push(a);
    }
  }
  if (report.removed.length > 0 || report.restored.length > 0) fsyncDir(parentDir);
  return report;
}

// Durability on a POSIX file system: data written to a file is safe once the file is
// fsynced, and a name created, renamed or removed in a directory is safe once that
// directory is fsynced. (The broker keeps its own copy: it imports nothing from the app.)

import * as fs from 'node:fs';
import * as path from 'node:path';

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes the names created, renamed or removed inside `dir` durable. */
export function fsyncDir(dir: string): void {
  fsyncFile(dir);
}

/** fsync every file and directory below (and including) `dir`, children before parents. */
export function fsyncTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) fsyncTree(full);
    else if (entry.isFile()) fsyncFile(full);
  }
  fsyncDir(dir);
}

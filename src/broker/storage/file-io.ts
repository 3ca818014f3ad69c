// Positional file I/O helpers. Segment files are written with explicit positions
// (pwrite, never O_APPEND) so a failed or torn write can be cut back to a known size.

import * as fs from 'fs';

/** Reads up to `length` bytes at `position`; returns how many were read (short only at EOF). */
export function readAt(fd: number, buf: Buffer, bufOffset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, bufOffset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

export function readExactly(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  const n = readAt(fd, buf, 0, length, position);
  if (n !== length) throw new Error(`short read: wanted ${length} bytes at ${position}, file ended after ${n}`);
  return buf;
}

export function writeFullyAt(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    done += fs.writeSync(fd, buf, done, buf.length - done, position + done);
  }
}

export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Directory fsync makes a newly created file's name durable, not just its contents. */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export async function fsyncDirAsync(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

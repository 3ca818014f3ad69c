// Sparse offset index of one segment: every so many bytes, (relative offset, file
// position) of the batch starting there. The in-memory copy is authoritative; the
// .index file is rebuilt from the log on open whenever it disagrees, so it never needs
// an fsync of its own.
//
// Alongside each entry the memory copy keeps the largest batch timestamp seen before
// that position; it is non-decreasing, so it doubles as a time index for ListOffsets.

import * as fs from 'fs';
import { writeFullyAt } from './file-io';

export const INDEX_ENTRY_BYTES = 8;
const INITIAL_CAPACITY_ENTRIES = 64;

export class OffsetIndex {
  private relOffsets = new Int32Array(INITIAL_CAPACITY_ENTRIES);
  private positions = new Int32Array(INITIAL_CAPACITY_ENTRIES);
  private maxTimestampsBefore = new Float64Array(INITIAL_CAPACITY_ENTRIES);
  private count = 0;
  private fd: number;

  private constructor(readonly path: string, fd: number) {
    this.fd = fd;
  }

  /** Opens (creating if missing) without reading it: callers rebuild from the log. */
  static open(path: string, truncate: boolean): OffsetIndex {
    const flags = fs.constants.O_RDWR | fs.constants.O_CREAT | (truncate ? fs.constants.O_TRUNC : 0);
    return new OffsetIndex(path, fs.openSync(path, flags, 0o644));
  }

  get entryCount(): number {
    return this.count;
  }

  /** Memory only; used while rebuilding from the log, followed by persistAll(). */
  add(relOffset: number, position: number, maxTimestampBefore: number): void {
    if (this.count === this.relOffsets.length) this.grow();
    this.relOffsets[this.count] = relOffset;
    this.positions[this.count] = position;
    this.maxTimestampsBefore[this.count] = maxTimestampBefore;
    this.count++;
  }

  append(relOffset: number, position: number, maxTimestampBefore: number): void {
    this.add(relOffset, position, maxTimestampBefore);
    const entry = Buffer.allocUnsafe(INDEX_ENTRY_BYTES);
    entry.writeInt32BE(relOffset, 0);
    entry.writeInt32BE(position, 4);
    writeFullyAt(this.fd, entry, (this.count - 1) * INDEX_ENTRY_BYTES);
  }

  /** File position of the last indexed batch starting at or before relOffset (0 if none). */
  positionFor(relOffset: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.relOffsets[mid] <= relOffset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.positions[found];
  }

  /**
   * File position from which to scan for the first batch with maxTimestamp >= ts:
   * every batch before the returned position is known to be older than ts.
   */
  positionForTimestamp(timestampMs: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.maxTimestampsBefore[mid] < timestampMs) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : this.positions[found];
  }

  /** Makes the file match memory, rewriting it only when it differs. */
  persistAll(): void {
    const expected = Buffer.allocUnsafe(this.count * INDEX_ENTRY_BYTES);
    for (let i = 0; i < this.count; i++) {
      expected.writeInt32BE(this.relOffsets[i], i * INDEX_ENTRY_BYTES);
      expected.writeInt32BE(this.positions[i], i * INDEX_ENTRY_BYTES + 4);
    }
    const onDisk = fs.readFileSync(this.path);
    if (onDisk.equals(expected)) return;
    fs.ftruncateSync(this.fd, 0);
    writeFullyAt(this.fd, expected, 0);
  }

  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }

  private grow(): void {
    const size = this.relOffsets.length * 2;
    const rel = new Int32Array(size);
    rel.set(this.relOffsets);
    const pos = new Int32Array(size);
    pos.set(this.positions);
    const ts = new Float64Array(size);
    ts.set(this.maxTimestampsBefore);
    this.relOffsets = rel;
    this.positions = pos;
    this.maxTimestampsBefore = ts;
  }
}

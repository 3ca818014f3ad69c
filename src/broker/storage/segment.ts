// One log segment: `<20-digit baseOffset>.log` holding batches back to back exactly as
// produced (offsets rewritten), plus its sparse `.index`. Positions are int32 and
// offsets are stored relative to baseOffset as int32, which bounds a segment at 2 GiB
// and 2^31 offsets; the log rolls before either is reached.

import * as fs from 'fs';
import * as path from 'path';
import { BATCH_LENGTH_PREFIX_BYTES, BatchHeader, lastOffset } from '../protocol/record-batch';
import { firstRecordAtOrAfter } from '../protocol/record-timestamps';
import { BatchScanner } from './batch-scanner';
import { readAt, readExactly, writeFullyAt } from './file-io';
import { OffsetIndex } from './offset-index';

export const RELATIVE_OFFSET_MAX = 0x7fffffff;
export const SEGMENT_BYTES_LIMIT = 0x7fffffff;

// Recovery reads sequentially through big windows; the read path only ever scans about
// one index interval forward, so it uses a window of roughly that size.
const RECOVERY_WINDOW_BYTES = 1 << 20;
const READ_WINDOW_BYTES_MIN = 4096;
const READ_WINDOW_BYTES_MAX = 1 << 20;

const OFFSET_DIGITS = 20;

export function segmentFileName(baseOffset: bigint, ext: '.log' | '.index'): string {
  return baseOffset.toString().padStart(OFFSET_DIGITS, '0') + ext;
}

/** Base offset from a `.log` file name, or null for anything else. */
export function parseSegmentFileName(name: string): bigint | null {
  const m = /^(\d{20})\.log$/.exec(name);
  return m ? BigInt(m[1]) : null;
}

export interface SegmentLoadResult {
  segment: Segment;
  /** Why the scan stopped early (torn or corrupt tail), or null if the file was clean. */
  problem: string | null;
  /** Bytes cut off the end (only when loaded with repair). */
  truncatedBytes: number;
}

export class Segment {
  sizeBytes = 0;
  /** Offset after the last batch; baseOffset while empty. */
  nextOffset: bigint;
  /** Largest batch maxTimestamp, -1 when no batch carried one. */
  maxTimestamp = -1;
  /** Fallback age for retention when batches carry no timestamps (as Kafka uses mtime). */
  lastModifiedMs: number;
  closed = false;

  private bytesSinceIndexEntry = 0;

  private constructor(
    readonly dir: string,
    readonly baseOffset: bigint,
    private readonly fd: number,
    private readonly index: OffsetIndex,
    private readonly indexIntervalBytes: number,
    lastModifiedMs: number,
  ) {
    this.nextOffset = baseOffset;
    this.lastModifiedMs = lastModifiedMs;
  }

  get logPath(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, '.log'));
  }

  get indexPath(): string {
    return path.join(this.dir, segmentFileName(this.baseOffset, '.index'));
  }

  get fileDescriptor(): number {
    return this.fd;
  }

  /** A new, empty segment. Fails if the .log already exists: that would be a bookkeeping bug. */
  static create(dir: string, baseOffset: bigint, indexIntervalBytes: number, nowMs: number): Segment {
    const logPath = path.join(dir, segmentFileName(baseOffset, '.log'));
    const fd = fs.openSync(logPath, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
    let index: OffsetIndex;
    try {
      index = OffsetIndex.open(path.join(dir, segmentFileName(baseOffset, '.index')), true);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    return new Segment(dir, baseOffset, fd, index, indexIntervalBytes, nowMs);
  }

  /**
   * Opens an existing segment and rebuilds its in-memory state by scanning batch
   * headers. With `repair` (the active segment) every CRC is checked too, and the file
   * is cut back to the last good batch. `onBatch` sees every good batch in order.
   */
  static load(
    dir: string,
    baseOffset: bigint,
    indexIntervalBytes: number,
    repair: boolean,
    onBatch: (header: BatchHeader) => void,
  ): SegmentLoadResult {
    const logPath = path.join(dir, segmentFileName(baseOffset, '.log'));
    const fd = fs.openSync(logPath, fs.constants.O_RDWR);
    let segment: Segment;
    try {
      const stat = fs.fstatSync(fd);
      const index = OffsetIndex.open(path.join(dir, segmentFileName(baseOffset, '.index')), false);
      segment = new Segment(dir, baseOffset, fd, index, indexIntervalBytes, stat.mtimeMs);
      const problem = segment.rebuild(stat.size, repair, onBatch);
      let truncatedBytes = 0;
      if (problem !== null && repair) {
        truncatedBytes = stat.size - segment.sizeBytes;
        fs.ftruncateSync(fd, segment.sizeBytes);
        fs.fsyncSync(fd);
      }
      index.persistAll();
      return { segment, problem, truncatedBytes };
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  private rebuild(fileSize: number, verifyCrc: boolean, onBatch: (header: BatchHeader) => void): string | null {
    const scanner = new BatchScanner(this.fd, fileSize, 0, verifyCrc, RECOVERY_WINDOW_BYTES);
    for (let b = scanner.next(); b !== null; b = scanner.next()) {
      const { header } = b;
      // Offsets must only move forward and stay within this segment's relative range;
      // anything else is garbage that happens to have a plausible header.
      if (header.baseOffset < this.nextOffset || lastOffset(header) - this.baseOffset > BigInt(RELATIVE_OFFSET_MAX)) {
        return `batch at ${b.position} has offset ${header.baseOffset}, expected at least ${this.nextOffset}`;
      }
      this.track(header, b.position, b.sizeBytes, false);
      onBatch(header);
    }
    return scanner.problem;
  }

  /** Whether a batch ending at `lastOffsetOfBatch` still fits the relative offset range. */
  canHoldOffset(lastOffsetOfBatch: bigint): boolean {
    return lastOffsetOfBatch - this.baseOffset <= BigInt(RELATIVE_OFFSET_MAX);
  }

  /** Appends one batch whose baseOffset has already been assigned. */
  append(batch: Buffer, header: BatchHeader, nowMs: number): void {
    const position = this.sizeBytes;
    try {
      writeFullyAt(this.fd, batch, position);
    } catch (err) {
      // Cut off whatever part of the batch did land, so the file stays a clean sequence.
      try {
        fs.ftruncateSync(this.fd, position);
      } catch {
        // Recovery on the next open truncates the torn batch anyway.
      }
      throw err;
    }
    this.track(header, position, batch.length, true);
    this.lastModifiedMs = nowMs;
  }

  private track(header: BatchHeader, position: number, size: number, persistIndex: boolean): void {
    if (this.bytesSinceIndexEntry >= this.indexIntervalBytes) {
      const rel = Number(header.baseOffset - this.baseOffset);
      if (persistIndex) {
        this.index.append(rel, position, this.maxTimestamp);
      } else {
        this.index.add(rel, position, this.maxTimestamp);
      }
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += size;
    this.sizeBytes = position + size;
    this.nextOffset = lastOffset(header) + 1n;
    const ts = Number(header.maxTimestamp);
    if (ts > this.maxTimestamp) this.maxTimestamp = ts;
  }

  /** Timestamp retention compares against (Kafka: largest record timestamp, else mtime). */
  retentionTimestampMs(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.lastModifiedMs;
  }

  /**
   * Whole batches from the first one containing or following `offset`, up to maxBytes.
   * With `atLeastOne`, a first batch larger than maxBytes is still returned alone.
   * `reachedEnd` says the result ran to the end of this segment, so a caller with budget
   * left may continue in the next one.
   */
  read(offset: bigint, maxBytes: number, atLeastOne: boolean): { bytes: Buffer; reachedEnd: boolean } {
    const first = this.findBatch(this.index.positionFor(this.relative(offset)), (h) => lastOffset(h) >= offset);
    if (first === null) return { bytes: Buffer.alloc(0), reachedEnd: true };
    if (first.sizeBytes >= maxBytes) {
      if (!atLeastOne && first.sizeBytes > maxBytes) return { bytes: Buffer.alloc(0), reachedEnd: false };
      const bytes = readExactly(this.fd, first.position, first.sizeBytes);
      return { bytes, reachedEnd: first.position + first.sizeBytes === this.sizeBytes };
    }
    const want = Math.min(maxBytes, this.sizeBytes - first.position);
    const buf = Buffer.allocUnsafe(want);
    const got = readAt(this.fd, buf, 0, want, first.position);
    if (got !== want) throw new Error(`segment ${this.logPath} shorter than its recorded size`);
    // Keep only whole batches: walk the length fields inside what was read.
    let end = 0;
    while (end + BATCH_LENGTH_PREFIX_BYTES <= want) {
      const size = BATCH_LENGTH_PREFIX_BYTES + buf.readInt32BE(end + 8);
      if (end + size > want) break;
      end += size;
    }
    return { bytes: buf.subarray(0, end), reachedEnd: first.position + end === this.sizeBytes };
  }

  /**
   * The first record at or after `minOffset` whose timestamp is >= ts, or null if this segment
   * has none: the first batch whose maxTimestamp reaches ts, then the exact record inside it.
   */
  findByTimestamp(timestampMs: number, minOffset: bigint): { offset: bigint; timestamp: bigint } | null {
    if (this.maxTimestamp < timestampMs) return null;
    let from = this.index.positionForTimestamp(timestampMs);
    for (;;) {
      const found = this.findBatch(from, (h) => Number(h.maxTimestamp) >= timestampMs && lastOffset(h) >= minOffset);
      if (found === null) return null;
      const bytes = readExactly(this.fd, found.position, found.sizeBytes);
      const record = firstRecordAtOrAfter(bytes, found.header, timestampMs, minOffset);
      if (record !== null) return record;
      from = found.position + found.sizeBytes; // only earlier records matched minOffset; go on
    }
  }

  private findBatch(from: number, matches: (h: BatchHeader) => boolean): { header: BatchHeader; position: number; sizeBytes: number } | null {
    const window = Math.min(READ_WINDOW_BYTES_MAX, Math.max(READ_WINDOW_BYTES_MIN, this.indexIntervalBytes * 2));
    const scanner = new BatchScanner(this.fd, this.sizeBytes, from, false, window);
    for (let b = scanner.next(); b !== null; b = scanner.next()) {
      if (matches(b.header)) return b;
    }
    if (scanner.problem !== null) throw new Error(`segment ${this.logPath}: ${scanner.problem}`);
    return null;
  }

  private relative(offset: bigint): number {
    const rel = offset - this.baseOffset;
    if (rel < 0n) return -1;
    return rel > BigInt(RELATIVE_OFFSET_MAX) ? RELATIVE_OFFSET_MAX : Number(rel);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.index.close();
    } finally {
      fs.closeSync(this.fd);
    }
  }

  /** Closes and removes both files. */
  delete(): void {
    this.close();
    fs.rmSync(this.logPath, { force: true });
    fs.rmSync(this.indexPath, { force: true });
  }
}

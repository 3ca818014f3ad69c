// Walks the batches of a segment file header by header through a read window, so a
// scan costs one read per window rather than one per batch. Used for recovery (with
// full CRC checks on the active segment) and for short forward scans from an index
// entry on the read path.

import {
  BATCH_HEADER_BYTES,
  BATCH_LENGTH_MIN,
  BATCH_LENGTH_PREFIX_BYTES,
  BatchHeader,
  InvalidRecordBatchError,
  readBatchHeader,
  validateBatchAt,
} from '../protocol/record-batch';
import { readAt } from './file-io';

const MAGIC_AT = 16;

export interface ScannedBatch {
  header: BatchHeader;
  position: number;
  sizeBytes: number;
}

export class BatchScanner {
  /** File position of the next batch to read; after a problem, where the good data ends. */
  position: number;
  /** Why the scan stopped before `end`, or null. */
  problem: string | null = null;

  private window: Buffer;
  private windowStart = 0;
  private windowLength = 0;

  constructor(
    private readonly fd: number,
    private readonly end: number,
    start: number,
    private readonly verifyCrc: boolean,
    windowBytes: number,
  ) {
    this.position = start;
    this.window = Buffer.allocUnsafe(Math.max(windowBytes, BATCH_HEADER_BYTES));
  }

  /** The next batch, or null at the end of the file or at the first bad batch. */
  next(): ScannedBatch | null {
    if (this.problem !== null) return null;
    const pos = this.position;
    const remaining = this.end - pos;
    if (remaining === 0) return null;
    if (remaining < BATCH_HEADER_BYTES) return this.fail(`torn tail: ${remaining} bytes, less than a batch header`);

    let view = this.view(pos, BATCH_HEADER_BYTES);
    const batchLength = view.buf.readInt32BE(view.at + 8);
    const size = BATCH_LENGTH_PREFIX_BYTES + batchLength;
    if (batchLength < BATCH_LENGTH_MIN) return this.fail(`batch at ${pos} has nonsense length ${batchLength}`);
    if (size > remaining) return this.fail(`torn tail: batch at ${pos} needs ${size} bytes, ${remaining} remain`);
    const magic = view.buf.readInt8(view.at + MAGIC_AT);
    if (magic !== 2) return this.fail(`batch at ${pos} has magic ${magic}`);

    let header: BatchHeader;
    if (this.verifyCrc) {
      view = this.view(pos, size);
      try {
        header = validateBatchAt(view.buf, view.at, view.at + size);
      } catch (err) {
        if (err instanceof InvalidRecordBatchError) return this.fail(`batch at ${pos}: ${err.message}`);
        throw err;
      }
    } else {
      header = readBatchHeader(view.buf, view.at);
    }
    this.position = pos + size;
    return { header, position: pos, sizeBytes: size };
  }

  private fail(problem: string): null {
    this.problem = problem;
    return null;
  }

  /** bytes [pos, pos+length) of the file, from the window when they fit, else a one-off buffer. */
  private view(pos: number, length: number): { buf: Buffer; at: number } {
    if (pos >= this.windowStart && pos + length <= this.windowStart + this.windowLength) {
      return { buf: this.window, at: pos - this.windowStart };
    }
    if (length > this.window.length) {
      const buf = Buffer.allocUnsafe(length);
      this.readOrThrow(buf, length, pos);
      return { buf, at: 0 };
    }
    const want = Math.min(this.window.length, this.end - pos);
    this.windowStart = pos;
    this.windowLength = 0;
    this.readOrThrow(this.window, want, pos);
    this.windowLength = want;
    return { buf: this.window, at: 0 };
  }

  private readOrThrow(buf: Buffer, length: number, pos: number): void {
    const n = readAt(this.fd, buf, 0, length, pos);
    // The caller sized `end` from fstat, so a short read means the file shrank under us.
    if (n < length) throw new Error(`segment file shrank: wanted ${length} bytes at ${pos}, got ${n}`);
  }
}

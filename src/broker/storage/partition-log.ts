// The log of one partition: a directory of segments, the active (last) one taking
// appends. Writes are synchronous pwrites; durability is a separate, group-committed
// flush(), so the produce path can batch many acks=all requests behind one fsync.

import { PartitionTxns } from './partition-txns';
import * as fs from 'fs';
import * as path from 'path';
import { BATCH_LENGTH_PREFIX_BYTES, BatchHeader, lastOffset, readBatchHeader, setBaseOffset } from '../protocol/record-batch';
import { fsyncAsync, fsyncDirAsync, fsyncDirSync } from './file-io';
import { readJsonFile, writeJsonFileDurably } from './json-file';
import { GroupCommit } from './group-commit';
import { ProducerStateTable } from './producer-state';
import { CLEANED_SUFFIX, cleanSegments } from './log-cleaner';
import { parseSegmentFileName, Segment, SEGMENT_BYTES_LIMIT, segmentFileName } from './segment';

export interface PartitionLogOptions {
  /** Roll the active segment before it would grow past this size. */
  segmentBytesMax: number;
  /** Sparse offset index: one entry per this many bytes of batches. */
  indexIntervalBytes: number;
  /** Delete segments whose newest batch is older than this; -1 keeps forever. */
  retentionMs: number;
  /** Delete oldest segments while the log is larger than this; -1 is unbounded. */
  retentionBytes: number;
  /** cleanup.policy: `delete` applies the two retention limits, `compact` runs the cleaner (log-cleaner.ts). Default: delete only. */
  deleteByRetention?: boolean;
  compact?: boolean;
  /** Tombstones are kept this long by the cleaner (Kafka delete.retention.ms). */
  deleteRetentionMs?: number;
  /** The cleaner runs once this share of the cleanable bytes is new since its last run (Kafka min.cleanable.dirty.ratio). */
  minCleanableDirtyRatio?: number;
}

/** DeleteRecords' durable log start offset (Kafka keeps it in log-start-offset-checkpoint). */
const LOG_START_OFFSET_FILE = 'log-start-offset.json';

export class OffsetOutOfRangeError extends Error {
  constructor(
    readonly offset: bigint,
    readonly logStartOffset: bigint,
    readonly logEndOffset: bigint,
  ) {
    super(`offset ${offset} outside the log's range [${logStartOffset}, ${logEndOffset}]`);
    this.name = 'OffsetOutOfRangeError';
  }
}

function validateOptions(o: PartitionLogOptions): void {
  const ok =
    Number.isInteger(o.segmentBytesMax) &&
    o.segmentBytesMax > 0 &&
    o.segmentBytesMax <= SEGMENT_BYTES_LIMIT &&
    Number.isInteger(o.indexIntervalBytes) &&
    o.indexIntervalBytes >= 0 &&
    (o.retentionMs === -1 || o.retentionMs >= 0) &&
    (o.retentionBytes === -1 || o.retentionBytes >= 0);
  if (!ok) throw new Error(`invalid partition log options ${JSON.stringify(o)}`);
}

export class PartitionLog {
  readonly producers = new ProducerStateTable();
  /** Bytes cut off torn or corrupt tails during open, for the caller to log. */
  recoveredTruncatedBytes = 0;
  /** Why recovery truncated, if it did. */
  recoveryProblem: string | null = null;
  /** fsync calls issued (segment files and the directory); lets tests observe group commit. */
  fsyncCount = 0;

  private segments: Segment[] = [];
  /** Set by DeleteRecords: may lie inside the first segment, whose earlier batches stay on disk. */
  private deletedBefore = 0n;
  private readonly unsynced = new Set<Segment>();
  private dirUnsynced = false;
  private readonly commits = new GroupCommit(
    () => this.unsynced.size > 0 || this.dirUnsynced,
    () => this.syncRound(),
  );
  private closed = false;
  /** The cleaner's progress (not persisted: after a restart the first run cleans everything once). */
  private cleanedUpTo = -1n;
  private tombstoneDueMs = Number.POSITIVE_INFINITY;

  /** Open and aborted transactions on this partition (LSO, read_committed). */
  readonly txns: PartitionTxns;

  private constructor(
    readonly dir: string,
    private opts: PartitionLogOptions,
  ) {
    this.txns = new PartitionTxns(dir);
  }

  get options(): PartitionLogOptions {
    return this.opts;
  }

  /** AlterConfigs: new retention and segment size apply from the next append or retention check. */
  reconfigure(options: PartitionLogOptions): void {
    validateOptions(options);
    this.opts = options;
  }

  static open(dir: string, options: PartitionLogOptions): PartitionLog {
    validateOptions(options);
    const log = new PartitionLog(dir, options);
    const created = fs.mkdirSync(dir, { recursive: true }) !== undefined;
    try {
      log.load();
      if (log.segments.length === 0) {
        log.segments.push(Segment.create(dir, 0n, options.indexIntervalBytes, Date.now()));
        log.dirUnsynced = true;
      }
      const saved = readJsonFile<{ logStartOffset: string }>(path.join(dir, LOG_START_OFFSET_FILE));
      // A torn tail cut off by recovery can leave the saved offset past the end: clamp it.
      if (saved) log.deletedBefore = BigInt(saved.logStartOffset) > log.logEndOffset ? log.logEndOffset : BigInt(saved.logStartOffset);
    } catch (err) {
      for (const s of log.segments) s.close();
      throw err;
    }
    if (created) log.dirUnsynced = true;
    return log;
  }

  /**
   * Rebuilds every segment from its headers. Only the active segment gets full CRC checks;
   * if an older one turns out torn (a crash before its data reached disk), nothing after
   * it can have been acknowledged as flushed, since flush() syncs every unsynced segment,
   * so later segments are dropped and the load restarts with that one as the tail.
   */
  private load(): void {
    for (const name of fs.readdirSync(this.dir)) {
      // A cleaner's replacement never renamed into place: the segment it was for is intact.
      if (name.endsWith(CLEANED_SUFFIX)) fs.rmSync(path.join(this.dir, name), { force: true });
      // An index without its log is left over from an interrupted delete.
      const m = /^(\d{20})\.index$/.exec(name);
      if (m && !fs.existsSync(path.join(this.dir, `${m[1]}.log`))) fs.rmSync(path.join(this.dir, name), { force: true });
    }
    const bases = fs
      .readdirSync(this.dir)
      .map(parseSegmentFileName)
      .filter((b): b is bigint => b !== null)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

    const loadedAtMs = Date.now();
    for (;;) {
      this.segments = [];
      this.producers.clear();
      let restart = false;
      for (let i = 0; i < bases.length; i++) {
        const isLast = i === bases.length - 1;
        const prev = this.segments[this.segments.length - 1];
        if (prev !== undefined && bases[i] < prev.nextOffset) {
          throw new Error(`segment ${bases[i]} in ${this.dir} overlaps the previous one ending at ${prev.nextOffset}`);
        }
        const { segment, problem, truncatedBytes } = Segment.load(this.dir, bases[i], this.options.indexIntervalBytes, isLast, (h) =>
          // The batch's own time stands in for when the producer was last seen.
          this.producers.record(h, h.baseOffset, h.maxTimestamp >= 0n ? Number(h.maxTimestamp) : loadedAtMs),
        );
        this.segments.push(segment);
        if (problem !== null && !isLast) {
          for (const s of this.segments) s.close();
          for (const later of bases.splice(i + 1)) this.removeSegmentFiles(later);
          restart = true;
          break;
        }
        if (problem !== null) {
          this.recoveredTruncatedBytes += truncatedBytes;
          this.recoveryProblem = problem;
        }
      }
      if (!restart) return;
    }
  }

  /** Drops a segment recovery cannot keep; its bytes count as truncated. */
  private removeSegmentFiles(baseOffset: bigint): void {
    const logPath = path.join(this.dir, segmentFileName(baseOffset, '.log'));
    this.recoveredTruncatedBytes += fs.statSync(logPath).size;
    fs.rmSync(logPath, { force: true });
    fs.rmSync(path.join(this.dir, segmentFileName(baseOffset, '.index')), { force: true });
    this.dirUnsynced = true;
  }

  get logStartOffset(): bigint {
    const base = this.segments[0].baseOffset;
    return this.deletedBefore > base ? this.deletedBefore : base;
  }

  /**
   * DeleteRecords: every record before `offset` is gone for readers from now on, durably
   * (the new start offset is fsynced before this returns). Whole segments below it are
   * removed; the batches of the segment it falls in stay until that segment goes, as in
   * Kafka. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: bigint, nowMs = Date.now()): bigint {
    this.ensureOpen();
    const end = this.logEndOffset;
    if (offset < 0n || offset > end) throw new OffsetOutOfRangeError(offset, this.logStartOffset, end);
    if (offset <= this.logStartOffset) return this.logStartOffset;
    // Everything deleted: start an empty segment at the end so the old ones can all go.
    if (offset === end && this.active.sizeBytes > 0) this.roll(end, nowMs);
    writeJsonFileDurably(path.join(this.dir, LOG_START_OFFSET_FILE), { logStartOffset: offset.toString() });
    this.deletedBefore = offset;
    this.dropSegmentsBelowStart();
    return this.logStartOffset;
  }

  private dropSegmentsBelowStart(): void {
    while (this.segments.length > 1 && this.segments[0].nextOffset <= this.deletedBefore) this.deleteOldest();
  }

  /** Next offset to assign; also the high watermark, this being the only replica. */
  get logEndOffset(): bigint {
    return this.active.nextOffset;
  }

  get sizeBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.sizeBytes;
    return total;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1];
  }

  /**
   * Appends batches (already validated, e.g. by splitBatches) under consecutive offsets,
   * rewriting each batch's baseOffset in place. Not durable until flush().
   */
  append(batches: Buffer[], nowMs = Date.now()): { baseOffset: bigint; lastOffset: bigint } {
    this.ensureOpen();
    if (batches.length === 0) throw new Error('append needs at least one batch');
    // Check every buffer before writing any, so a bad one cannot leave half an append behind.
    const headers = batches.map((batch) => {
      const header = readBatchHeader(batch);
      if (BATCH_LENGTH_PREFIX_BYTES + header.batchLength !== batch.length) {
        throw new Error(`batch buffer of ${batch.length} bytes does not match its length field ${header.batchLength}`);
      }
      return header;
    });
    const baseOffset = this.logEndOffset;
    let last = baseOffset - 1n;
    batches.forEach((batch, i) => {
      const header = headers[i];
      header.baseOffset = this.logEndOffset;
      setBaseOffset(batch, header.baseOffset);
      this.appendOne(batch, header, nowMs);
      last = lastOffset(header);
    });
    return { baseOffset, lastOffset: last };
  }

  private appendOne(batch: Buffer, header: BatchHeader, nowMs: number): void {
    let seg = this.active;
    const overflows = seg.sizeBytes + batch.length > this.options.segmentBytesMax || !seg.canHoldOffset(lastOffset(header));
    // An empty segment takes any batch, so an oversized batch cannot roll forever.
    if (overflows && seg.sizeBytes > 0) seg = this.roll(header.baseOffset, nowMs);
    seg.append(batch, header, nowMs);
    this.unsynced.add(seg);
    this.producers.record(header, header.baseOffset, nowMs);
  }

  private roll(baseOffset: bigint, nowMs: number): Segment {
    const seg = Segment.create(this.dir, baseOffset, this.options.indexIntervalBytes, nowMs);
    this.segments.push(seg);
    this.dirUnsynced = true;
    return seg;
  }

  /**
   * Resolves once everything appended before the call is on disk. At most one fsync
   * round runs at a time; callers arriving meanwhile share the single next round.
   */
  flush(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`partition log ${this.dir} is closed`));
    return this.commits.request();
  }

  /** One group-commit round: fsync every segment written since the last round, and the directory if files were created. */
  private async syncRound(): Promise<void> {
    // Snapshot and clear before awaiting: appends during the fsync mark their segment
    // unsynced again and are picked up by the following round.
    const segments = [...this.unsynced];
    this.unsynced.clear();
    const syncDir = this.dirUnsynced;
    this.dirUnsynced = false;
    const work: Promise<void>[] = segments.map((s) => this.fsyncSegment(s));
    if (syncDir) {
      this.fsyncCount++;
      work.push(fsyncDirAsync(this.dir));
    }
    try {
      await Promise.all(work);
    } catch (err) {
      for (const s of segments) if (!s.closed) this.unsynced.add(s);
      if (syncDir) this.dirUnsynced = true;
      throw err;
    }
  }

  private async fsyncSegment(s: Segment): Promise<void> {
    if (s.closed) return;
    this.fsyncCount++;
    try {
      await fsyncAsync(s.fileDescriptor);
    } catch (err) {
      // Retention or close() shut the file while the fsync was queued: close() synced it
      // itself, and a deleted segment no longer needs durability.
      if (s.closed) return;
      throw err;
    }
  }

  /**
   * Whole batches starting with the one containing `offset`, up to maxBytes, but always
   * at least one batch when one exists (KIP-74), so a large batch can never stall a consumer.
   */
  read(offset: bigint, maxBytes: number): Buffer {
    this.ensureOpen();
    const end = this.logEndOffset;
    if (offset < this.logStartOffset || offset > end) throw new OffsetOutOfRangeError(offset, this.logStartOffset, end);
    if (offset === end) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    let budget = maxBytes;
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const { bytes, reachedEnd } = this.segments[i].read(offset, budget, parts.length === 0);
      if (bytes.length > 0) {
        parts.push(bytes);
        budget -= bytes.length;
      }
      if (!reachedEnd || budget <= 0) break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  /** Index of the last segment whose baseOffset <= offset (0 if none). */
  private segmentIndexFor(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * First batch whose maxTimestamp >= ts. Batch granularity: the broker does not decode
   * records, so the answer is that batch's base offset and max timestamp.
   */
  offsetForTimestamp(timestampMs: bigint): { offset: bigint; timestamp: bigint } | null {
    this.ensureOpen();
    const ts = Number(timestampMs);
    for (const s of this.segments) {
      if (s.nextOffset <= this.logStartOffset) continue;
      const found = s.findByTimestamp(ts, this.logStartOffset);
      if (found !== null) return found;
    }
    return null;
  }

  /**
   * Deletes whole non-active segments, oldest first: those whose newest batch is older
   * than retentionMs, then while the log exceeds retentionBytes. Returns how many went.
   */
  enforceRetention(nowMs: number): number {
    this.ensureOpen();
    let deleted = this.segments.length;
    this.dropSegmentsBelowStart();
    deleted -= this.segments.length;
    const { retentionMs, retentionBytes, deleteByRetention = true } = this.options;
    if (!deleteByRetention) return deleted;
    if (retentionMs >= 0) {
      while (this.segments.length > 1 && nowMs - this.segments[0].retentionTimestampMs() > retentionMs) {
        this.deleteOldest();
        deleted++;
      }
    }
    if (retentionBytes >= 0) {
      let total = this.sizeBytes;
      while (this.segments.length > 1 && total > retentionBytes) {
        total -= this.segments[0].sizeBytes;
        this.deleteOldest();
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * Log compaction (cleanup.policy contains compact): cleans the closed segments wholly below
   * the last stable offset when enough of them is new (min.cleanable.dirty.ratio), when a kept
   * tombstone falls due, or always with `force`. Each changed segment is replaced atomically:
   * the cleaner writes and fsyncs `<segment>.log.cleaned`, then it is renamed over the segment
   * and the directory fsynced; the index is rebuilt from the new file. Returns the records removed.
   */
  clean(nowMs: number, force = false): number {
    this.ensureOpen();
    if (!this.opts.compact) return 0;
    const stable = this.txns.lastStableOffset(this.logEndOffset);
    let n = 0;
    while (n < this.segments.length - 1 && this.segments[n].nextOffset <= stable) n++;
    const cleanable = this.segments.slice(0, n);
    const total = cleanable.reduce((sum, s) => sum + s.sizeBytes, 0);
    const dirty = cleanable.reduce((sum, s) => sum + (s.baseOffset >= this.cleanedUpTo ? s.sizeBytes : 0), 0);
    const due = (dirty > 0 && dirty >= total * (this.opts.minCleanableDirtyRatio ?? 0.5)) || nowMs >= this.tombstoneDueMs;
    if (n === 0 || !(force || due)) return 0;
    const outcome = cleanSegments(cleanable, { nowMs, deleteRetentionMs: this.opts.deleteRetentionMs ?? 86_400_000, logStartOffset: this.logStartOffset });
    for (const [base, file] of outcome.replacements) this.replaceSegment(base, file);
    if (outcome.replacements.size > 0) {
      this.fsyncCount++;
      fsyncDirSync(this.dir);
    }
    this.cleanedUpTo = cleanable[cleanable.length - 1].nextOffset;
    this.tombstoneDueMs = outcome.tombstoneDueMs;
    return outcome.recordsRemoved;
  }

  /** Swaps in a cleaned segment file; a segment left empty goes, unless it is the first (it holds the log start). */
  private replaceSegment(baseOffset: bigint, cleanedFile: string): void {
    const i = this.segments.findIndex((s) => s.baseOffset === baseOffset);
    const old = this.segments[i];
    this.unsynced.delete(old);
    old.close();
    // Retention falls back on the file's age when batches carry no timestamps: keep it.
    fs.utimesSync(cleanedFile, old.lastModifiedMs / 1000, old.lastModifiedMs / 1000);
    fs.renameSync(cleanedFile, old.logPath);
    const { segment } = Segment.load(this.dir, baseOffset, this.opts.indexIntervalBytes, false, () => undefined);
    if (segment.sizeBytes === 0 && i > 0) {
      this.segments.splice(i, 1);
      segment.delete();
    } else {
      this.segments[i] = segment;
    }
  }

  private deleteOldest(): void {
    const seg = this.segments.shift();
    if (seg === undefined) return;
    this.unsynced.delete(seg);
    seg.delete();
  }

  /** Syncs whatever is unsynced (a clean shutdown), then closes every file. */
  close(): void {
    if (this.closed) return;
    let syncError: unknown = null;
    try {
      for (const s of this.unsynced) {
        this.fsyncCount++;
        fs.fsyncSync(s.fileDescriptor);
      }
      if (this.dirUnsynced) {
        this.fsyncCount++;
        fsyncDirSync(this.dir);
      }
      this.unsynced.clear();
      this.dirUnsynced = false;
    } catch (err) {
      syncError = err;
    }
    this.shutdown(syncError);
    if (syncError !== null) throw syncError;
  }

  /** Closes without syncing and removes the directory. */
  destroy(): void {
    if (!this.closed) this.shutdown(new Error(`partition log ${this.dir} was destroyed`));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private shutdown(pendingError: unknown): void {
    this.closed = true;
    this.commits.settleQueued(pendingError);
    for (const s of this.segments) s.close();
  }

  private ensureOpen(): void {
    if (this.closed) throw new Error(`partition log ${this.dir} is closed`);
  }
}

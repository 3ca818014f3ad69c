// Durable committed consumer-group offsets: one append-only file of framed,
// CRC-checked records replayed into memory on open. Kafka keeps these in the
// __consumer_offsets topic; a single node only needs a small write-ahead file.
//
// Frame: u32 body length | u32 CRC-32 (IEEE) of body | body. A crash mid-append
// leaves a frame that is short or fails its CRC; replay stops there and the tail
// is cut off, so the next append starts on a clean boundary.
//
// Appends are group-committed: callers queue, one write+fsync carries everything
// queued so far, and whoever arrives during that fsync waits for the next one.

import * as fs from 'fs';
import * as path from 'path';

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
  commitTimestampMs: number;
}

export interface OffsetEntry {
  topic: string;
  partition: number;
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

export interface OffsetStoreOptions {
  /** The file is never compacted below this size (bytes). */
  compactFileBytesMin?: number;
}

const FILE_NAME = 'offsets.log';
const COMPACT_TEMP_NAME = 'offsets.log.compact';
const FRAME_HEADER_BYTES = 8;
// Larger lengths can only come from a torn or garbage header; refuse them before allocating.
const RECORD_BYTES_MAX = 64 * 1024 * 1024;
const COMPACT_FILE_BYTES_MIN_DEFAULT = 1024 * 1024;
// Compact once the file holds this many times the bytes the live entries need.
const COMPACT_GROWTH_FACTOR = 4;
// Compaction writes one record per group, split so no record nears RECORD_BYTES_MAX.
const COMPACT_ENTRIES_PER_RECORD_MAX = 10_000;

const enum RecordType {
  Commit = 1,
  DeleteTopic = 2,
  DeleteGroup = 3,
}

interface StoredEntry extends OffsetEntry {
  commitTimestampMs: number;
}

type Decoded =
  | { type: RecordType.Commit; groupId: string; entries: StoredEntry[] }
  | { type: RecordType.DeleteTopic; topic: string }
  | { type: RecordType.DeleteGroup; groupId: string };

interface QueuedAppend {
  frame: Buffer;
  apply: () => void;
  resolve: () => void;
  reject: (err: Error) => void;
}

export class OffsetStore {
  /** fsyncs issued for appends; tests use it to see group commit at work. */
  appendFsyncCount = 0;
  compactionCount = 0;

  // groupId -> topic -> partition -> offset
  private readonly groups = new Map<string, Map<string, Map<number, CommittedOffset>>>();
  private liveBytes = 0;
  private queue: QueuedAppend[] = [];
  private flushing = false;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private fd: number,
    private fileBytes: number,
    private readonly compactFileBytesMin: number,
  ) {}

  static open(dir: string, options: OffsetStoreOptions = {}): OffsetStore {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, FILE_NAME);
    // A compaction that crashed before its rename left only this leftover; the log itself is intact.
    fs.rmSync(path.join(dir, COMPACT_TEMP_NAME), { force: true });
    const existed = fs.existsSync(file);
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      if (!existed) fsyncDir(dir);
      const data = fs.readFileSync(file);
      const store = new OffsetStore(dir, fd, 0, options.compactFileBytesMin ?? COMPACT_FILE_BYTES_MIN_DEFAULT);
      const validBytes = store.replay(data);
      if (validBytes < data.length) {
        fs.ftruncateSync(fd, validBytes);
        fs.fsyncSync(fd);
      }
      store.fileBytes = validBytes;
      return store;
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  get fileSizeBytes(): number {
    return this.fileBytes;
  }

  commit(groupId: string, entries: OffsetEntry[], commitTimestampMs = Date.now()): Promise<void> {
    const stored = entries.map((e) => ({ ...e, commitTimestampMs }));
    return this.append(encodeCommit(groupId, stored), () => this.applyCommit(groupId, stored));
  }

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.groups.get(groupId)?.get(topic)?.get(partition);
  }

  listGroup(groupId: string): { topic: string; partition: number; committed: CommittedOffset }[] {
    const out: { topic: string; partition: number; committed: CommittedOffset }[] = [];
    for (const [topic, partitions] of this.groups.get(groupId) ?? []) {
      for (const [partition, committed] of partitions) out.push({ topic, partition, committed });
    }
    return out;
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  deleteTopic(topic: string): Promise<void> {
    const body = Buffer.concat([Buffer.from([RecordType.DeleteTopic]), encodeString(topic)]);
    return this.append(frame(body), () => this.applyDeleteTopic(topic));
  }

  deleteGroup(groupId: string): Promise<void> {
    const body = Buffer.concat([Buffer.from([RecordType.DeleteGroup]), encodeString(groupId)]);
    return this.append(frame(body), () => this.applyDeleteGroup(groupId));
  }

  /** Queued appends not yet started are rejected; one already writing finishes first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const queued = this.queue;
    this.queue = [];
    for (const q of queued) q.reject(new Error('offset store closed'));
    if (!this.flushing) fs.closeSync(this.fd);
  }

  private append(frameBytes: Buffer, apply: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new Error('offset store closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ frame: frameBytes, apply, resolve, reject });
      if (!this.flushing) void this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const bytes = Buffer.concat(batch.map((q) => q.frame));
        try {
          // Positional writes: after a failed write the next batch overwrites the
          // partial bytes instead of landing behind them.
          await writeAll(this.fd, bytes, this.fileBytes);
          await fsyncFd(this.fd);
          this.appendFsyncCount++;
          this.fileBytes += bytes.length;
        } catch (err) {
          for (const q of batch) q.reject(err as Error);
          continue;
        }
        // Visible only once durable, in append order.
        for (const q of batch) {
          q.apply();
          q.resolve();
        }
        if (this.queue.length === 0 && !this.closed && this.needsCompaction()) {
          await this.compact().catch(() => {
            // The old file is intact until the rename; compaction is retried after the next append.
          });
        }
      }
    } finally {
      this.flushing = false;
      if (this.closed) fs.closeSync(this.fd);
    }
  }

  private needsCompaction(): boolean {
    return this.fileBytes > this.compactFileBytesMin && this.fileBytes > COMPACT_GROWTH_FACTOR * this.liveBytes;
  }

  private async compact(): Promise<void> {
    const frames: Buffer[] = [];
    for (const groupId of this.groups.keys()) {
      const entries: StoredEntry[] = this.listGroup(groupId).map(({ topic, partition, committed }) => ({
        topic,
        partition,
        offset: committed.offset,
        leaderEpoch: committed.leaderEpoch,
        metadata: committed.metadata,
        commitTimestampMs: committed.commitTimestampMs,
      }));
      for (let i = 0; i < entries.length; i += COMPACT_ENTRIES_PER_RECORD_MAX) {
        frames.push(encodeCommit(groupId, entries.slice(i, i + COMPACT_ENTRIES_PER_RECORD_MAX)));
      }
    }
    const bytes = Buffer.concat(frames);
    const file = path.join(this.dir, FILE_NAME);
    const temp = path.join(this.dir, COMPACT_TEMP_NAME);
    const handle = await fs.promises.open(temp, 'w', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, file);
    fsyncDir(this.dir);
    const fd = fs.openSync(file, fs.constants.O_RDWR);
    fs.closeSync(this.fd);
    this.fd = fd;
    this.fileBytes = bytes.length;
    this.compactionCount++;
  }

  /** Applies every intact record; returns the byte length of the intact prefix. */
  private replay(data: Buffer): number {
    let at = 0;
    while (at + FRAME_HEADER_BYTES <= data.length) {
      const length = data.readUInt32BE(at);
      if (length === 0 || length > RECORD_BYTES_MAX || at + FRAME_HEADER_BYTES + length > data.length) break;
      const body = data.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
      if (crc32(body) !== data.readUInt32BE(at + 4)) break;
      const record = decodeBody(body);
      if (record === null) break;
      if (record.type === RecordType.Commit) this.applyCommit(record.groupId, record.entries);
      else if (record.type === RecordType.DeleteTopic) this.applyDeleteTopic(record.topic);
      else this.applyDeleteGroup(record.groupId);
      at += FRAME_HEADER_BYTES + length;
    }
    return at;
  }

  private applyCommit(groupId: string, entries: StoredEntry[]): void {
    let topics = this.groups.get(groupId);
    if (!topics) this.groups.set(groupId, (topics = new Map()));
    for (const e of entries) {
      let partitions = topics.get(e.topic);
      if (!partitions) topics.set(e.topic, (partitions = new Map()));
      const previous = partitions.get(e.partition);
      if (previous) this.liveBytes -= entryBytes(e.topic, previous.metadata);
      partitions.set(e.partition, {
        offset: e.offset,
        leaderEpoch: e.leaderEpoch,
        metadata: e.metadata,
        commitTimestampMs: e.commitTimestampMs,
      });
      this.liveBytes += entryBytes(e.topic, e.metadata);
    }
  }

  private applyDeleteTopic(topic: string): void {
    for (const [groupId, topics] of this.groups) {
      const partitions = topics.get(topic);
      if (!partitions) continue;
      for (const c of partitions.values()) this.liveBytes -= entryBytes(topic, c.metadata);
      topics.delete(topic);
      if (topics.size === 0) this.groups.delete(groupId);
    }
  }

  private applyDeleteGroup(groupId: string): void {
    for (const { topic, committed } of this.listGroup(groupId)) this.liveBytes -= entryBytes(topic, committed.metadata);
    this.groups.delete(groupId);
  }
}

// ---- record encoding -------------------------------------------------------
// Strings are i32 length + UTF-8 (length -1 = null); offsets and timestamps i64.

function encodeString(s: string | null): Buffer {
  if (s === null) {
    const b = Buffer.alloc(4);
    b.writeInt32BE(-1);
    return b;
  }
  const utf8 = Buffer.from(s, 'utf8');
  const b = Buffer.alloc(4 + utf8.length);
  b.writeInt32BE(utf8.length);
  utf8.copy(b, 4);
  return b;
}

/** Bytes one entry occupies in a commit record, used to judge when compaction pays off. */
function entryBytes(topic: string, metadata: string | null): number {
  const metadataBytes = metadata === null ? 0 : Buffer.byteLength(metadata, 'utf8');
  return 4 + Buffer.byteLength(topic, 'utf8') + 4 + 8 + 4 + 4 + metadataBytes + 8;
}

function encodeCommit(groupId: string, entries: StoredEntry[]): Buffer {
  const parts: Buffer[] = [Buffer.from([RecordType.Commit]), encodeString(groupId)];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(entries.length);
  parts.push(count);
  for (const e of entries) {
    parts.push(encodeString(e.topic));
    const fixed = Buffer.alloc(4 + 8 + 4);
    fixed.writeInt32BE(e.partition, 0);
    fixed.writeBigInt64BE(e.offset, 4);
    fixed.writeInt32BE(e.leaderEpoch, 12);
    parts.push(fixed, encodeString(e.metadata));
    const ts = Buffer.alloc(8);
    ts.writeBigInt64BE(BigInt(e.commitTimestampMs));
    parts.push(ts);
  }
  return frame(Buffer.concat(parts));
}

function frame(body: Buffer): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

/** Returns null for a body that passed its CRC but does not parse (written by something else). */
function decodeBody(body: Buffer): Decoded | null {
  let at = 0;
  const need = (n: number): number => {
    if (at + n > body.length) throw new RangeError('short record');
    const start = at;
    at += n;
    return start;
  };
  const str = (): string | null => {
    const len = body.readInt32BE(need(4));
    if (len === -1) return null;
    if (len < 0) throw new RangeError('bad string length');
    const start = need(len);
    return body.toString('utf8', start, start + len);
  };
  const nonNullStr = (): string => {
    const s = str();
    if (s === null) throw new RangeError('unexpected null');
    return s;
  };
  try {
    const type = body.readUInt8(need(1));
    let out: Decoded;
    if (type === RecordType.Commit) {
      const groupId = nonNullStr();
      const count = body.readUInt32BE(need(4));
      const entries: StoredEntry[] = [];
      for (let i = 0; i < count; i++) {
        const topic = nonNullStr();
        const partition = body.readInt32BE(need(4));
        const offset = body.readBigInt64BE(need(8));
        const leaderEpoch = body.readInt32BE(need(4));
        const metadata = str();
        const commitTimestampMs = Number(body.readBigInt64BE(need(8)));
        entries.push({ topic, partition, offset, leaderEpoch, metadata, commitTimestampMs });
      }
      out = { type, groupId, entries };
    } else if (type === RecordType.DeleteTopic) {
      out = { type, topic: nonNullStr() };
    } else if (type === RecordType.DeleteGroup) {
      out = { type, groupId: nonNullStr() };
    } else {
      return null;
    }
    return at === body.length ? out : null;
  } catch {
    return null;
  }
}

// ---- CRC-32 (IEEE 802.3, reflected, as zlib computes it) --------------------

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---- fs helpers --------------------------------------------------------------

function writeAll(fd: number, buf: Buffer, position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (done: number): void => {
      if (done === buf.length) return resolve();
      fs.write(fd, buf, done, buf.length - done, position + done, (err, written) =>
        err ? reject(err) : step(done + written),
      );
    };
    step(0);
  });
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Makes a create or rename inside `dir` durable. */
function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

// Log compaction (cleanup.policy=compact), Apache Kafka's LogCleaner reduced to one node:
// over a partition's cleanable segments (closed, and wholly below the last stable offset)
// it keeps, for each key, only the record with the highest offset, and drops tombstones
// (null values) once their segment is older than delete.retention.ms. Offsets never
// change: a batch keeps its base offset and last offset delta and loses records in
// between, so consumers see gaps, as with Kafka.
//
// What is never touched: control batches (transaction markers) and transactional batches
// (their fate is the markers'; they neither lose records nor hide older ones), batches of a
// codec the broker cannot read (snappy, lz4, zstd: Produce refuses those on a compacted
// topic, so only data written before the topic became compacted can be such), and
// everything in the active segment. A batch emptied by cleaning is dropped, except the last
// one of its producer, kept as an empty batch so the producer's sequence survives a restart
// (as Kafka keeps it). Records without a key (written before the topic became compacted)
// are removed, as Kafka's cleaner removes them.
//
// This module only writes each changed segment's new content to `<segment>.log.cleaned`
// (fsynced); PartitionLog swaps it in with a rename, so a crash at any point leaves either
// the old or the new file, both complete.

import * as fs from 'fs';
import { BatchHeader, lastOffset } from '../protocol/record-batch';
import { readBatchRecords, rebuildBatch } from '../protocol/record-keys';
import { BatchScanner } from './batch-scanner';
import { readExactly, writeFullyAt } from './file-io';
import { Segment } from './segment';

export const CLEANED_SUFFIX = '.cleaned';
const SCAN_WINDOW_BYTES = 1 << 20;

export interface CleanOptions {
  nowMs: number;
  deleteRetentionMs: number;
  /** Batches wholly below it (DeleteRecords) are left as they are: no reader can reach them. */
  logStartOffset: bigint;
}

export interface CleanOutcome {
  /** Base offset of each changed segment → its fsynced replacement file. */
  replacements: Map<bigint, string>;
  recordsRemoved: number;
  /** When the earliest tombstone kept falls due (Infinity if none is kept). */
  tombstoneDueMs: number;
}

function* batchesOf(segment: Segment): Generator<{ header: BatchHeader; bytes: Buffer }> {
  const scanner = new BatchScanner(segment.fileDescriptor, segment.sizeBytes, 0, false, SCAN_WINDOW_BYTES);
  for (let b = scanner.next(); b !== null; b = scanner.next()) {
    yield { header: b.header, bytes: readExactly(segment.fileDescriptor, b.position, b.sizeBytes) };
  }
  if (scanner.problem !== null) throw new Error(`segment ${segment.logPath}: ${scanner.problem}`);
}

/** Batches whose records the cleaner may drop. */
function compactable(header: BatchHeader, logStartOffset: bigint): boolean {
  return !header.isControl && !header.isTransactional && lastOffset(header) >= logStartOffset;
}

export function cleanSegments(segments: Segment[], options: CleanOptions): CleanOutcome {
  // Pass 1: the latest offset of every key, and each producer's last batch.
  const latest = new Map<string, bigint>();
  const producerLastBatch = new Map<bigint, bigint>();
  for (const segment of segments) {
    for (const { header, bytes } of batchesOf(segment)) {
      if (header.producerId >= 0n) producerLastBatch.set(header.producerId, header.baseOffset);
      if (!compactable(header, options.logStartOffset)) continue;
      for (const r of readBatchRecords(bytes, header)?.records ?? []) if (r.key !== null) latest.set(r.key.toString('latin1'), r.offset);
    }
  }
  // Pass 2: rewrite the segments that lose anything.
  const outcome: CleanOutcome = { replacements: new Map(), recordsRemoved: 0, tombstoneDueMs: Number.POSITIVE_INFINITY };
  for (const segment of segments) {
    const tombstoneDueMs = segment.retentionTimestampMs() + options.deleteRetentionMs;
    const tombstonesExpired = options.nowMs >= tombstoneDueMs;
    const out: Buffer[] = [];
    let changed = false;
    for (const { header, bytes } of batchesOf(segment)) {
      const read = compactable(header, options.logStartOffset) ? readBatchRecords(bytes, header) : null;
      if (read === null) {
        out.push(bytes);
        continue;
      }
      const kept = read.records.filter((r) => r.key !== null && latest.get(r.key.toString('latin1')) === r.offset && !(r.tombstone && tombstonesExpired));
      if (kept.some((r) => r.tombstone)) outcome.tombstoneDueMs = Math.min(outcome.tombstoneDueMs, tombstoneDueMs);
      if (kept.length === read.records.length) {
        out.push(bytes);
        continue;
      }
      changed = true;
      outcome.recordsRemoved += read.records.length - kept.length;
      const lastOfProducer = header.producerId >= 0n && producerLastBatch.get(header.producerId) === header.baseOffset;
      if (kept.length > 0 || lastOfProducer) out.push(rebuildBatch(bytes, header, read, kept));
    }
    if (changed) outcome.replacements.set(segment.baseOffset, writeReplacement(segment.logPath + CLEANED_SUFFIX, out));
  }
  return outcome;
}

function writeReplacement(file: string, batches: Buffer[]): string {
  const fd = fs.openSync(file, 'w', 0o644);
  try {
    let position = 0;
    for (const b of batches) {
      writeFullyAt(fd, b, position);
      position += b.length;
    }
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

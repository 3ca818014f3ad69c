// Keys of the records inside a batch, for what log compaction needs: Produce refusing a
// keyless record on a compacted topic, and the cleaner keeping the latest record per key.
// Records are walked by their length fields; only the key is copied out and the value is
// only checked for null (a tombstone). gzip is inflated (and deflated again by
// rebuildBatch); snappy, lz4 and zstd have no codec in the broker, so such batches
// cannot be read here (null).

import { gunzipSync, gzipSync } from 'node:zlib';
import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, BatchHeader, COMPRESSION_MASK, computeBatchCrc } from './record-batch';
import { WireReader } from './wire';

const COMPRESSION_NONE = 0;
const COMPRESSION_GZIP = 1;
const BATCH_LENGTH_AT = 8;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const RECORD_COUNT_AT = 57;

export interface KeyedRecord {
  offset: bigint;
  key: Buffer | null;
  /** A null value: a tombstone on a compacted topic. */
  tombstone: boolean;
  /** Where the record (with its length prefix) lies in the decompressed records section. */
  start: number;
  end: number;
}

export interface BatchRecords {
  /** The decompressed records section. */
  body: Buffer;
  records: KeyedRecord[];
}

/** Whether the broker can read the records of a batch of this compression. */
export function readableCodec(header: BatchHeader): boolean {
  return header.compression === COMPRESSION_NONE || header.compression === COMPRESSION_GZIP;
}

/** The records of one batch (buffer = exactly the batch), or null for a codec the broker cannot read. */
export function readBatchRecords(batch: Buffer, header: BatchHeader): BatchRecords | null {
  if (!readableCodec(header)) return null;
  const section = batch.subarray(BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES + header.batchLength);
  const body = header.compression === COMPRESSION_GZIP ? gunzipSync(section) : section;
  const r = new WireReader(body);
  const records: KeyedRecord[] = [];
  for (let i = 0; i < header.recordCount; i++) {
    const start = r.offset;
    const length = r.varint();
    const fieldsAt = r.offset;
    r.int8(); // attributes
    r.varlong(); // timestamp delta
    const offset = header.baseOffset + BigInt(r.varint());
    const keyLength = r.varint();
    const key = keyLength < 0 ? null : Buffer.from(r.raw(keyLength));
    const tombstone = r.varint() < 0;
    r.offset = fieldsAt + length;
    if (r.offset > body.length) throw new Error(`record ${i} of the batch at ${header.baseOffset} runs past its end`);
    records.push({ offset, key, tombstone, start, end: r.offset });
  }
  return { body, records };
}

/** Why a compacted topic refuses this batch (Kafka's LogValidator), or null when every record has a key. */
export function compactedTopicRefusal(batch: Buffer, header: BatchHeader): 'unreadable_codec' | 'keyless_record' | null {
  if (header.isControl) return null;
  const read = readBatchRecords(batch, header);
  if (read === null) return 'unreadable_codec';
  return read.records.some((r) => r.key === null) ? 'keyless_record' : null;
}

/**
 * The same batch holding only `kept` (records of `from`, in order): header kept (base offset,
 * last offset delta, producer fields, timestamps), record count, length and CRC rewritten,
 * gzip batches recompressed. Offsets are preserved: the records keep their offset deltas.
 */
export function rebuildBatch(batch: Buffer, header: BatchHeader, from: BatchRecords, kept: KeyedRecord[]): Buffer {
  let body: Buffer = Buffer.concat(kept.map((k) => from.body.subarray(k.start, k.end)));
  if (header.compression === COMPRESSION_GZIP && kept.length > 0) body = gzipSync(body);
  const out = Buffer.alloc(BATCH_HEADER_BYTES + body.length);
  batch.copy(out, 0, 0, BATCH_HEADER_BYTES);
  body.copy(out, BATCH_HEADER_BYTES);
  out.writeInt32BE(out.length - BATCH_LENGTH_PREFIX_BYTES, BATCH_LENGTH_AT);
  out.writeInt32BE(kept.length, RECORD_COUNT_AT);
  // An empty batch (kept for its producer's sequence) is written uncompressed, as Kafka's empty header is.
  if (kept.length === 0) out.writeInt16BE(header.attributes & ~COMPRESSION_MASK, ATTRIBUTES_AT);
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), CRC_AT);
  return out;
}

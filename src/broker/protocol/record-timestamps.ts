// The one place the broker looks inside a record batch: ListOffsets by timestamp must
// answer the exact record (Apache Kafka does), not the batch's first offset. Records
// are walked only as far as their timestamp and offset deltas; keys, values and headers
// are skipped by length. gzip is inflated with zlib; for snappy, lz4 and zstd (no codec
// here) the answer falls back to the batch's first offset at or after `minOffset`.

import { gunzipSync } from 'node:zlib';
import { BATCH_HEADER_BYTES, BatchHeader } from './record-batch';
import { WireReader } from './wire';

const LOG_APPEND_TIME_FLAG = 0x08;
const COMPRESSION_NONE = 0;
const COMPRESSION_GZIP = 1;

/** The first record with timestamp >= `timestampMs` and offset >= `minOffset`, or null. */
export function firstRecordAtOrAfter(
  batch: Buffer,
  header: BatchHeader,
  timestampMs: number,
  minOffset: bigint,
): { offset: bigint; timestamp: bigint } | null {
  const fallback = (): { offset: bigint; timestamp: bigint } => ({
    offset: header.baseOffset > minOffset ? header.baseOffset : minOffset,
    timestamp: header.maxTimestamp,
  });
  // LogAppendTime: every record carries the batch's max timestamp.
  if ((header.attributes & LOG_APPEND_TIME_FLAG) !== 0) return fallback();
  let records: Buffer;
  if (header.compression === COMPRESSION_NONE) records = batch.subarray(BATCH_HEADER_BYTES);
  else if (header.compression === COMPRESSION_GZIP) records = gunzipSync(batch.subarray(BATCH_HEADER_BYTES));
  else return fallback();
  const r = new WireReader(records);
  for (let i = 0; i < header.recordCount; i++) {
    const length = r.varint();
    const start = r.offset;
    r.int8(); // attributes
    const timestamp = header.baseTimestamp + r.varlong();
    const offset = header.baseOffset + BigInt(r.varint());
    if (offset >= minOffset && timestamp >= BigInt(timestampMs)) return { offset, timestamp };
    r.raw(length - (r.offset - start));
  }
  return null;
}

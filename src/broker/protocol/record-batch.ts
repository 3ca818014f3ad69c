// Kafka record batch v2 (magic 2) header handling. The broker stores batches exactly
// as producers sent them and never decodes individual records: it only needs the
// fixed-size header to assign offsets, index, deduplicate and validate checksums.

import { crc32c } from './crc32c';

export const BATCH_HEADER_BYTES = 61;

// Field positions, big-endian.
const BASE_OFFSET_AT = 0;
const BATCH_LENGTH_AT = 8;
const PARTITION_LEADER_EPOCH_AT = 12;
const MAGIC_AT = 16;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const BASE_TIMESTAMP_AT = 27;
const MAX_TIMESTAMP_AT = 35;
const PRODUCER_ID_AT = 43;
const PRODUCER_EPOCH_AT = 51;
const BASE_SEQUENCE_AT = 53;
const RECORD_COUNT_AT = 57;

/** batchLength counts the bytes after the length field itself. */
export const BATCH_LENGTH_PREFIX_BYTES = 12;
/** The smallest legal batchLength: a header with no records. */
export const BATCH_LENGTH_MIN = BATCH_HEADER_BYTES - BATCH_LENGTH_PREFIX_BYTES;

export const COMPRESSION_MASK = 0x07;
/** zstd; codecs 5-7 do not exist. */
const COMPRESSION_CODEC_MAX = 4;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

export interface BatchHeader {
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
  isTransactional: boolean;
  isControl: boolean;
  /** 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  compression: number;
}

export type InvalidRecordBatchReason = 'corrupt' | 'unsupported_magic' | 'invalid';

/** `reason` maps onto Kafka error codes: CORRUPT_MESSAGE, UNSUPPORTED_FOR_MESSAGE_FORMAT, INVALID_RECORD. */
export class InvalidRecordBatchError extends Error {
  constructor(
    readonly reason: InvalidRecordBatchReason,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidRecordBatchError';
  }
}

/** Reads the fixed header only; does not check magic or CRC (see splitBatches). */
export function readBatchHeader(buf: Buffer, at = 0): BatchHeader {
  if (at < 0 || buf.length - at < BATCH_HEADER_BYTES) {
    throw new InvalidRecordBatchError('corrupt', `record batch header needs ${BATCH_HEADER_BYTES} bytes at ${at}, have ${buf.length - at}`);
  }
  const attributes = buf.readInt16BE(at + ATTRIBUTES_AT);
  return {
    baseOffset: buf.readBigInt64BE(at + BASE_OFFSET_AT),
    batchLength: buf.readInt32BE(at + BATCH_LENGTH_AT),
    partitionLeaderEpoch: buf.readInt32BE(at + PARTITION_LEADER_EPOCH_AT),
    magic: buf.readInt8(at + MAGIC_AT),
    crc: buf.readUInt32BE(at + CRC_AT),
    attributes,
    lastOffsetDelta: buf.readInt32BE(at + LAST_OFFSET_DELTA_AT),
    baseTimestamp: buf.readBigInt64BE(at + BASE_TIMESTAMP_AT),
    maxTimestamp: buf.readBigInt64BE(at + MAX_TIMESTAMP_AT),
    producerId: buf.readBigInt64BE(at + PRODUCER_ID_AT),
    producerEpoch: buf.readInt16BE(at + PRODUCER_EPOCH_AT),
    baseSequence: buf.readInt32BE(at + BASE_SEQUENCE_AT),
    recordCount: buf.readInt32BE(at + RECORD_COUNT_AT),
    isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
    isControl: (attributes & CONTROL_FLAG) !== 0,
    compression: attributes & COMPRESSION_MASK,
  };
}

/** Total bytes of the batch on the wire / on disk. */
export function batchSizeBytes(header: BatchHeader): number {
  return BATCH_LENGTH_PREFIX_BYTES + header.batchLength;
}

export function lastOffset(header: BatchHeader): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta);
}

/** The CRC the batch at buf[at, at+size) should carry (it covers attributes onward). */
export function computeBatchCrc(buf: Buffer, at: number, sizeBytes: number): number {
  return crc32c(buf, at + ATTRIBUTES_AT, at + sizeBytes);
}

/**
 * Validates the batch at buf[at] in full (length, magic, CRC, counts) and returns its
 * header. Shared by produce validation and the recovery scan of the active segment, so
 * both agree on what a good batch is.
 */
export function validateBatchAt(buf: Buffer, at: number, end = buf.length): BatchHeader {
  const available = end - at;
  if (available < BATCH_LENGTH_PREFIX_BYTES) {
    throw new InvalidRecordBatchError('corrupt', `trailing ${available} bytes are not a record batch`);
  }
  const batchLength = buf.readInt32BE(at + BATCH_LENGTH_AT);
  if (batchLength < 0 || BATCH_LENGTH_PREFIX_BYTES + batchLength > available) {
    throw new InvalidRecordBatchError('corrupt', `record batch length ${batchLength} exceeds the ${available - BATCH_LENGTH_PREFIX_BYTES} bytes present`);
  }
  // Magic sits at the same position in the legacy v0/v1 message format, so an old
  // client's message set is recognised here rather than reported as corrupt.
  if (batchLength > MAGIC_AT - BATCH_LENGTH_PREFIX_BYTES) {
    const magic = buf.readInt8(at + MAGIC_AT);
    if (magic !== 2) throw new InvalidRecordBatchError('unsupported_magic', `record batch magic ${magic}, only 2 is supported`);
  }
  if (batchLength < BATCH_LENGTH_MIN) {
    throw new InvalidRecordBatchError('corrupt', `record batch length ${batchLength} is below the minimum ${BATCH_LENGTH_MIN}`);
  }
  const header = readBatchHeader(buf, at);
  const size = BATCH_LENGTH_PREFIX_BYTES + batchLength;
  const actual = computeBatchCrc(buf, at, size);
  if (actual !== header.crc) {
    throw new InvalidRecordBatchError('corrupt', `record batch CRC ${actual.toString(16)} does not match stored ${header.crc.toString(16)}`);
  }
  if (header.recordCount < 0) throw new InvalidRecordBatchError('invalid', `record count ${header.recordCount}`);
  if (header.lastOffsetDelta < 0) throw new InvalidRecordBatchError('invalid', `last offset delta ${header.lastOffsetDelta}`);
  if (header.compression > COMPRESSION_CODEC_MAX) throw new InvalidRecordBatchError('invalid', `unknown compression codec ${header.compression}`);
  return header;
}

/**
 * Splits a produce request's records blob into validated batches. The returned bytes
 * are subarrays of `records` (no copies), so rewriting offsets in them rewrites the blob.
 */
export function splitBatches(records: Buffer): { header: BatchHeader; bytes: Buffer }[] {
  const out: { header: BatchHeader; bytes: Buffer }[] = [];
  let at = 0;
  while (at < records.length) {
    const header = validateBatchAt(records, at);
    const size = batchSizeBytes(header);
    out.push({ header, bytes: records.subarray(at, at + size) });
    at += size;
  }
  return out;
}

/** Not covered by the CRC, so the broker can assign offsets without recomputing it. */
export function setBaseOffset(batch: Buffer, baseOffset: bigint): void {
  batch.writeBigInt64BE(baseOffset, BASE_OFFSET_AT);
}

/** Not covered by the CRC either. */
export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  batch.writeInt32BE(epoch, PARTITION_LEADER_EPOCH_AT);
}

const TIMESTAMP_TYPE_FLAG = 0x08;

/**
 * LogAppendTime topics: marks the batch's timestamps as the broker's and sets maxTimestamp
 * to `nowMs` (consumers then read it as every record's timestamp), then re-computes the CRC,
 * which covers attributes and timestamps. As Kafka's LogValidator does.
 */
export function stampLogAppendTime(batch: Buffer, nowMs: bigint): void {
  batch.writeInt16BE(batch.readInt16BE(ATTRIBUTES_AT) | TIMESTAMP_TYPE_FLAG, ATTRIBUTES_AT);
  batch.writeBigInt64BE(nowMs, MAX_TIMESTAMP_AT);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), CRC_AT);
}

// Record-level encode/decode for uncompressed v2 batches. The broker itself never
// looks inside a batch; this exists so tests and benches can build real batches and
// check what comes back from a fetch.

import { computeBatchCrc, readBatchHeader, BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES } from './record-batch';
import { WireReader, WireWriter } from './wire';

export interface RecordHeader {
  key: string;
  value: Buffer;
}

export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  timestampDelta?: number;
}

export interface EncodeBatchInput {
  baseOffset?: bigint;
  records: RecordInput[];
  baseTimestamp?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Raw attributes (e.g. 0x10 transactional); compression bits must stay 0. */
  attributes?: number;
  partitionLeaderEpoch?: number;
}

export interface DecodedRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export function encodeRecordBatch(input: EncodeBatchInput): Buffer {
  const { records, producerId = -1n, producerEpoch = -1, baseSequence = -1, attributes = 0 } = input;
  if (records.length === 0) throw new Error('a record batch needs at least one record');
  if ((attributes & 0x07) !== 0) throw new Error('encodeRecordBatch only writes uncompressed batches');
  const baseTimestamp = input.baseTimestamp ?? BigInt(Date.now());

  const body = new WireWriter(256);
  let maxDelta = 0;
  records.forEach((r, i) => {
    const delta = r.timestampDelta ?? 0;
    if (delta > maxDelta) maxDelta = delta;
    const rec = new WireWriter(64);
    rec.int8(0).varlong(BigInt(delta)).varint(i);
    writeVarBytes(rec, r.key);
    writeVarBytes(rec, r.value);
    const headers = r.headers ?? [];
    rec.varint(headers.length);
    for (const h of headers) {
      writeVarBytes(rec, Buffer.from(h.key, 'utf8'));
      writeVarBytes(rec, h.value);
    }
    const recBytes = rec.toBuffer();
    body.varint(recBytes.length).raw(recBytes);
  });
  const recordBytes = body.toBuffer();

  const size = BATCH_HEADER_BYTES + recordBytes.length;
  const out = Buffer.alloc(size);
  out.writeBigInt64BE(input.baseOffset ?? 0n, 0);
  out.writeInt32BE(size - BATCH_LENGTH_PREFIX_BYTES, 8);
  out.writeInt32BE(input.partitionLeaderEpoch ?? -1, 12);
  out.writeInt8(2, 16);
  out.writeInt16BE(attributes, 21);
  out.writeInt32BE(records.length - 1, 23);
  out.writeBigInt64BE(baseTimestamp, 27);
  out.writeBigInt64BE(baseTimestamp + BigInt(maxDelta), 35);
  out.writeBigInt64BE(producerId, 43);
  out.writeInt16BE(producerEpoch, 51);
  out.writeInt32BE(baseSequence, 53);
  out.writeInt32BE(records.length, 57);
  recordBytes.copy(out, BATCH_HEADER_BYTES);
  out.writeUInt32BE(computeBatchCrc(out, 0, size), 17);
  return out;
}

function writeVarBytes(w: WireWriter, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
  } else {
    w.varint(b.length).raw(b);
  }
}

function readVarBytes(r: WireReader): Buffer | null {
  const len = r.varint();
  return len < 0 ? null : r.raw(len);
}

/** Decodes every record of one uncompressed batch (buffer starts at the batch). */
export function decodeRecords(batch: Buffer): DecodedRecord[] {
  const header = readBatchHeader(batch);
  if (header.compression !== 0) throw new Error(`decodeRecords cannot read compression type ${header.compression}`);
  const end = BATCH_LENGTH_PREFIX_BYTES + header.batchLength;
  const r = new WireReader(batch.subarray(0, end), BATCH_HEADER_BYTES);
  const out: DecodedRecord[] = [];
  for (let i = 0; i < header.recordCount; i++) {
    const len = r.varint();
    const recordEnd = r.offset + len;
    r.int8(); // record attributes: unused in v2
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = readVarBytes(r);
    const value = readVarBytes(r);
    const headerCount = r.varint();
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount; h++) {
      const hk = readVarBytes(r);
      const hv = readVarBytes(r);
      headers.push({ key: hk === null ? '' : hk.toString('utf8'), value: hv ?? Buffer.alloc(0) });
    }
    if (r.offset !== recordEnd) throw new Error(`record ${i} length ${len} disagrees with its fields`);
    out.push({
      offset: header.baseOffset + BigInt(offsetDelta),
      timestamp: header.baseTimestamp + timestampDelta,
      key,
      value,
      headers,
    });
  }
  return out;
}

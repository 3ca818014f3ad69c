// Transaction markers: the control batches EndTxn writes to every partition of a transaction
// (Kafka's EndTransactionMarker). A record batch v2 with the transactional and control
// attributes, one record whose key is (version int16 = 0, type int16: 0 abort, 1 commit) and
// whose value is (version int16 = 0, coordinator epoch int32). Consumers never hand these
// records to the application; read_committed ones use the abort markers to skip aborted data.
import { BATCH_HEADER_BYTES, BATCH_LENGTH_PREFIX_BYTES, computeBatchCrc } from './record-batch';

export const CONTROL_TYPE = { ABORT: 0, COMMIT: 1 } as const;

const MAGIC_V2 = 2;
const TRANSACTIONAL_AND_CONTROL = 0x10 | 0x20;
const NO_SEQUENCE = -1;

/** One control record: attributes, timestamp delta 0, offset delta 0, 4-byte key, 6-byte value, no headers. */
function controlRecord(type: number, coordinatorEpoch: number): Buffer {
  const body = Buffer.alloc(16);
  let at = 0;
  body.writeInt8(0, at++); // record attributes
  body.writeUInt8(0, at++); // timestamp delta (zigzag varint 0)
  body.writeUInt8(0, at++); // offset delta (zigzag varint 0)
  body.writeUInt8(4 << 1, at++); // key length 4 (zigzag varint)
  body.writeInt16BE(0, at); // key: version
  body.writeInt16BE(type, at + 2); // key: type
  at += 4;
  body.writeUInt8(6 << 1, at++); // value length 6
  body.writeInt16BE(0, at); // value: version
  body.writeInt32BE(coordinatorEpoch, at + 2);
  at += 6;
  body.writeUInt8(0, at++); // no headers
  return Buffer.concat([Buffer.from([body.length << 1]), body]); // record length (zigzag varint 16)
}

export function buildControlBatch(producerId: bigint, producerEpoch: number, type: number, timestampMs: bigint, coordinatorEpoch = 0): Buffer {
  const record = controlRecord(type, coordinatorEpoch);
  const batch = Buffer.alloc(BATCH_HEADER_BYTES + record.length);
  batch.writeBigInt64BE(0n, 0); // base offset: assigned on append
  batch.writeInt32BE(batch.length - BATCH_LENGTH_PREFIX_BYTES, 8);
  batch.writeInt32BE(0, 12); // partition leader epoch
  batch.writeInt8(MAGIC_V2, 16);
  batch.writeInt16BE(TRANSACTIONAL_AND_CONTROL, 21);
  batch.writeInt32BE(0, 23); // last offset delta
  batch.writeBigInt64BE(timestampMs, 27);
  batch.writeBigInt64BE(timestampMs, 35);
  batch.writeBigInt64BE(producerId, 43);
  batch.writeInt16BE(producerEpoch, 51);
  batch.writeInt32BE(NO_SEQUENCE, 53);
  batch.writeInt32BE(1, 57); // one record
  record.copy(batch, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), 17);
  return batch;
}

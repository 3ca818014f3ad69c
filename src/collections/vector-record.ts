// The format of a collection topic's records, documented in docs/topics.md:
//   key     = the vector id (UTF-8)
//   value   = dimension × float32 little-endian, or null (tombstone) for a delete
//   headers = intake-op: "upsert" | "delete" (optional; a null value means delete),
//             intake-metadata: JSON object (optional),
//             intake-session: ingest session id (index sessions, optional)
// An index session's finalize is a control record in every partition:
//   key = the session id, header intake-op: "finalize", value = JSON FinalizeCommand
// Decoding a record a direct producer wrote never throws: it returns a reason code
// the materializer files into the ingest_errors table.

import { IngestErrorReason } from '../common/errors';
import { RECORD_ID_BYTES_MAX } from '../common/identifiers';
import { ConsumedRecord, DecodeFailure, headerString } from '../log/envelope';

export type { DecodeFailure } from '../log/envelope';
export { isDecodeFailure } from '../log/envelope';
export const METADATA_BYTES_MAX = 64 * 1024;

export const Header = {
  op: 'intake-op',
  metadata: 'intake-metadata',
  session: 'intake-session',
} as const;

export type VectorRecord =
  | { op: 'upsert'; id: string; vector: Float32Array; metadata: Record<string, unknown> | null; session: string | null }
  | { op: 'delete'; id: string; session: string | null }
  /** An index session's control record; src/index-sessions/session-record.ts decodes its value. */
  | { op: 'finalize'; value: Buffer | null };

export type RawRecord = Pick<ConsumedRecord, 'key' | 'value' | 'headers'>;

export function encodeVector(vector: ArrayLike<number>): Buffer {
  const buf = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i], i * 4);
  return buf;
}

export function decodeVectorRecord(raw: RawRecord, dimension: number): VectorRecord | DecodeFailure {
  if (!raw.key || raw.key.length === 0) return { reason: IngestErrorReason.MISSING_KEY, message: 'record has no key (the vector id)' };
  if (raw.key.length > RECORD_ID_BYTES_MAX) {
    return { reason: IngestErrorReason.INVALID_RECORD, message: `vector id is ${raw.key.length} bytes, at most ${RECORD_ID_BYTES_MAX}` };
  }
  const id = raw.key.toString('utf8');
  const session = headerString(raw.headers, Header.session);
  const op = headerString(raw.headers, Header.op) ?? (raw.value === null ? 'delete' : 'upsert');
  if (op === 'finalize') return { op, value: raw.value };
  if (op === 'delete') return { op, id, session };
  if (op !== 'upsert') return { reason: IngestErrorReason.UNKNOWN_OP, message: `header ${Header.op}=${op}: expected upsert, delete or finalize` };
  if (raw.value === null) return { reason: IngestErrorReason.MALFORMED_VECTOR, message: 'upsert without a value' };
  if (raw.value.length !== dimension * 4) {
    return {
      reason: IngestErrorReason.WRONG_DIMENSION,
      message: `value is ${raw.value.length} bytes; a ${dimension}-d float32 vector is ${dimension * 4}`,
    };
  }
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    const x = raw.value.readFloatLE(i * 4);
    if (!Number.isFinite(x)) return { reason: IngestErrorReason.NON_FINITE_VALUE, message: `component ${i} is ${x}` };
    vector[i] = x;
  }
  let metadata: Record<string, unknown> | null = null;
  const metaRaw = headerString(raw.headers, Header.metadata);
  if (metaRaw !== null) {
    if (Buffer.byteLength(metaRaw) > METADATA_BYTES_MAX) {
      return { reason: IngestErrorReason.INVALID_RECORD, message: `metadata header exceeds ${METADATA_BYTES_MAX} bytes` };
    }
    try {
      const parsed = JSON.parse(metaRaw);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      metadata = parsed;
    } catch {
      return { reason: IngestErrorReason.INVALID_RECORD, message: `header ${Header.metadata} is not a JSON object` };
    }
  }
  return { op: 'upsert', id, vector, metadata, session };
}


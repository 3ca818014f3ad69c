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

export const VECTOR_ID_BYTES_MAX = 256;
export const METADATA_BYTES_MAX = 64 * 1024;

export const Header = {
  op: 'intake-op',
  metadata: 'intake-metadata',
  session: 'intake-session',
} as const;

export type IngestMode = 'build' | 'insert' | 'upsert';

export interface FinalizeCommand {
  session: string;
  mode: IngestMode;
  optimize: boolean;
  params: { M: number; efConstruction: number; efSearch: number; randomSeed: number };
}

export type VectorRecord =
  | { op: 'upsert'; id: string; vector: Float32Array; metadata: Record<string, unknown> | null; session: string | null }
  | { op: 'delete'; id: string; session: string | null }
  | { op: 'finalize'; command: FinalizeCommand };

export function encodeFinalize(command: FinalizeCommand): Buffer {
  return Buffer.from(JSON.stringify(command));
}

function decodeFinalize(raw: RawRecord): VectorRecord | DecodeFailure {
  const bad = (why: string): DecodeFailure => ({ reason: 'INVALID_RECORD', message: `finalize command: ${why}` });
  if (!raw.value) return bad('no value');
  let c: FinalizeCommand;
  try {
    c = JSON.parse(raw.value.toString('utf8'));
  } catch {
    return bad('value is not JSON');
  }
  const p = c?.params;
  const posInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (typeof c?.session !== 'string' || !['build', 'insert', 'upsert'].includes(c.mode) || typeof c.optimize !== 'boolean') {
    return bad('needs session, mode (build|insert|upsert) and optimize');
  }
  if (!p || !posInt(p.M) || !posInt(p.efConstruction) || !posInt(p.efSearch) || !Number.isInteger(p.randomSeed)) {
    return bad('params need positive integers M, efConstruction, efSearch and an integer randomSeed');
  }
  return { op: 'finalize', command: c };
}

export type DecodeFailure = { reason: string; message: string };

export interface RawRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export function encodeVector(vector: ArrayLike<number>): Buffer {
  const buf = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i], i * 4);
  return buf;
}

function headerString(h: RawRecord['headers'], name: string): string | null {
  const v = h[name];
  if (v === undefined) return null;
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

export function decodeVectorRecord(raw: RawRecord, dimension: number): VectorRecord | DecodeFailure {
  if (!raw.key || raw.key.length === 0) return { reason: 'MISSING_KEY', message: 'record has no key (the vector id)' };
  if (raw.key.length > VECTOR_ID_BYTES_MAX) {
    return { reason: 'INVALID_RECORD', message: `vector id is ${raw.key.length} bytes, at most ${VECTOR_ID_BYTES_MAX}` };
  }
  const id = raw.key.toString('utf8');
  const session = headerString(raw.headers, Header.session);
  const op = headerString(raw.headers, Header.op) ?? (raw.value === null ? 'delete' : 'upsert');
  if (op === 'finalize') return decodeFinalize(raw);
  if (op === 'delete') return { op, id, session };
  if (op !== 'upsert') return { reason: 'UNKNOWN_OP', message: `header ${Header.op}=${op}: expected upsert, delete or finalize` };
  if (raw.value === null) return { reason: 'MALFORMED_VECTOR', message: 'upsert without a value' };
  if (raw.value.length !== dimension * 4) {
    return {
      reason: 'WRONG_DIMENSION',
      message: `value is ${raw.value.length} bytes; a ${dimension}-d float32 vector is ${dimension * 4}`,
    };
  }
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) {
    const x = raw.value.readFloatLE(i * 4);
    if (!Number.isFinite(x)) return { reason: 'NON_FINITE_VALUE', message: `component ${i} is ${x}` };
    vector[i] = x;
  }
  let metadata: Record<string, unknown> | null = null;
  const metaRaw = headerString(raw.headers, Header.metadata);
  if (metaRaw !== null) {
    if (Buffer.byteLength(metaRaw) > METADATA_BYTES_MAX) {
      return { reason: 'INVALID_RECORD', message: `metadata header exceeds ${METADATA_BYTES_MAX} bytes` };
    }
    try {
      const parsed = JSON.parse(metaRaw);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      metadata = parsed;
    } catch {
      return { reason: 'INVALID_RECORD', message: `header ${Header.metadata} is not a JSON object` };
    }
  }
  return { op: 'upsert', id, vector, metadata, session };
}

export function isDecodeFailure(r: VectorRecord | DecodeFailure): r is DecodeFailure {
  return 'reason' in r;
}

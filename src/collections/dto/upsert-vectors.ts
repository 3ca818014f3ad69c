// Parsing of the streaming upsert body (seed 000):
//   {"vectors": [{"id": "...", "dense_values": [...]} | {"id": "...", "text": "..."}, ...]}
// Everything is validated before anything is appended, so a bad vector in a batch
// leaves the log untouched.

import { Errors } from '../../common/errors';
import { requireRecordId } from '../../common/identifiers';
import { METADATA_BYTES_MAX } from '../../log/vector-record';

export const VECTORS_PER_REQUEST_MAX = 10_000;
export const TEXT_CHARS_MAX = 32_768;

export type VectorInput =
  | { id: string; values: number[]; text: null; metadata: Record<string, unknown> | null }
  | { id: string; values: null; text: string; metadata: Record<string, unknown> | null };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseUpsertBody(body: unknown, dimension: number): VectorInput[] {
  if (!isObject(body)) throw Errors.validation('body', 'must be a JSON object with a "vectors" array');
  const { vectors } = body;
  if (!Array.isArray(vectors) || vectors.length === 0) throw Errors.validation('vectors', 'must be a non-empty array');
  if (vectors.length > VECTORS_PER_REQUEST_MAX) {
    throw Errors.validation('vectors', `must hold at most ${VECTORS_PER_REQUEST_MAX} vectors per request, got ${vectors.length}`);
  }
  const seen = new Set<string>();
  return vectors.map((v, i) => {
    const at = `vectors[${i}]`;
    if (!isObject(v)) throw Errors.validation(at, 'must be an object');
    const { dense_values: dense, text, metadata } = v;
    const id = requireRecordId(v.id, `${at}.id`);
    if (seen.has(id)) throw Errors.validation(`${at}.id`, `'${id}' appears twice in this request`);
    seen.add(id);
    let meta: Record<string, unknown> | null = null;
    if (metadata !== undefined && metadata !== null) {
      if (!isObject(metadata)) throw Errors.validation(`${at}.metadata`, 'must be a JSON object');
      if (Buffer.byteLength(JSON.stringify(metadata)) > METADATA_BYTES_MAX) {
        throw Errors.validation(`${at}.metadata`, `must serialise to at most ${METADATA_BYTES_MAX} bytes`);
      }
      meta = metadata;
    }
    const hasDense = dense !== undefined && dense !== null;
    const hasText = text !== undefined && text !== null;
    if (hasDense === hasText) throw Errors.validation(at, 'must carry exactly one of dense_values and text');
    if (hasText) {
      if (typeof text !== 'string' || text.trim().length === 0) throw Errors.validation(`${at}.text`, 'must be a non-empty string');
      if (text.length > TEXT_CHARS_MAX) throw Errors.validation(`${at}.text`, `must be at most ${TEXT_CHARS_MAX} characters`);
      return { id, values: null, text, metadata: meta };
    }
    return { id, values: parseDense(dense, `${at}.dense_values`, dimension), text: null, metadata: meta };
  });
}

export function parseDense(value: unknown, field: string, dimension: number): number[] {
  if (!Array.isArray(value)) throw Errors.validation(field, `must be an array of ${dimension} numbers`);
  if (value.length !== dimension) throw Errors.validation(field, `expected ${dimension} numbers, got ${value.length}`);
  for (let j = 0; j < value.length; j++) {
    const x = value[j];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw Errors.validation(`${field}[${j}]`, 'must be a finite number');
    // float32 overflow would turn a finite JSON number into Infinity in the log.
    if (Math.abs(x) > 3.4028234663852886e38) throw Errors.validation(`${field}[${j}]`, 'exceeds the float32 range');
  }
  return value as number[];
}

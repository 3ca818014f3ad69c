// POST /vectordb/collections/{id}/streaming/upsert (seed 000): the request schema,
// its typed input, and the two rules a schema cannot state (ids distinct within the
// request, metadata's serialised size). The vectors' length and values depend on the
// collection and are checked by the service. Everything is checked before anything is
// appended, so a bad vector in a batch leaves the log untouched.

import { Errors } from '../../common/errors';
import { RECORD_ID_SCHEMA } from '../../common/identifiers';
import type { JsonSchema } from '../../common/request-schema';
import { DIMENSION_MAX } from '../shard-index';
import { METADATA_BYTES_MAX } from '../vector-record';

export const VECTORS_PER_REQUEST_MAX = 10_000;
export const TEXT_CHARS_MAX = 32_768;

export interface UpsertVectorItem {
  id: string;
  dense_values?: number[] | null;
  text?: string | null;
  metadata?: Record<string, unknown> | null;
}
export interface UpsertVectorsInput {
  vectors: UpsertVectorItem[];
}

export type VectorInput =
  | { id: string; values: number[]; text: null; metadata: Record<string, unknown> | null }
  | { id: string; values: null; text: string; metadata: Record<string, unknown> | null };

export const UPSERT_VECTORS_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['vectors'],
  properties: {
    vectors: {
      type: 'array',
      minItems: 1,
      maxItems: VECTORS_PER_REQUEST_MAX,
      description: `1 to ${VECTORS_PER_REQUEST_MAX.toLocaleString('en')} vectors; ids must be distinct. The batch is all-or-nothing at validation.`,
      items: {
        type: 'object',
        required: ['id'],
        description: 'Exactly one of `dense_values` and `text` (a `null` counts as absent).',
        'x-exactly-one-of': ['dense_values', 'text'],
        properties: {
          id: { ...RECORD_ID_SCHEMA, description: `${RECORD_ID_SCHEMA.description} Unique within one request.` },
          dense_values: {
            type: ['array', 'null'],
            items: { type: 'number' },
            minItems: 1,
            maxItems: DIMENSION_MAX,
            description:
              "Exactly the collection's `dimension` finite numbers, each within the float32 range (|x| ≤ 3.4028234663852886e38; " +
              'stored as float32). Under `cosine`, not all zeros; the squared norm must not overflow float32.',
          },
          text: {
            type: ['string', 'null'],
            minLength: 1,
            maxLength: TEXT_CHARS_MAX,
            pattern: '\\S',
            'x-rule': `must be a non-empty string of at most ${TEXT_CHARS_MAX} characters`,
            description:
              "Embedded server-side into a `dimension`-d vector by the node's embedder (built-in feature hashing by default, " +
              `or the OpenAI-compatible endpoint in \`INTAKE_EMBEDDER_URL\`). Non-blank and at most ${TEXT_CHARS_MAX.toLocaleString('en')} ` +
              'characters; the built-in embedder also needs at least one letter or digit.',
          },
          metadata: {
            type: ['object', 'null'],
            description: `**Intake extension.** A JSON object stored with the vector (serialised, at most ${METADATA_BYTES_MAX / 1024} KiB). Not returned by search today.`,
          },
        },
      },
    },
  },
};

/** The request's vectors, after the rules the schema cannot state. */
export function vectorInputs(input: UpsertVectorsInput): VectorInput[] {
  const seen = new Set<string>();
  return input.vectors.map((v, i) => {
    const at = `vectors[${i}]`;
    if (seen.has(v.id)) throw Errors.validation(`${at}.id`, `'${v.id}' appears twice in this request`);
    seen.add(v.id);
    const metadata = v.metadata ?? null;
    if (metadata !== null && Buffer.byteLength(JSON.stringify(metadata)) > METADATA_BYTES_MAX) {
      throw Errors.validation(`${at}.metadata`, `must serialise to at most ${METADATA_BYTES_MAX} bytes`);
    }
    if (v.dense_values !== undefined && v.dense_values !== null) return { id: v.id, values: v.dense_values, text: null, metadata };
    return { id: v.id, values: null, text: v.text as string, metadata };
  });
}

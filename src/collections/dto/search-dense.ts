// POST /vectordb/collections/{id}/search/dense: the request schema and its typed input.
// The query vector's length and values depend on the collection: checked by the service.
import type { JsonSchema } from '../../common/request-schema';
import { DIMENSION_MAX, HNSW_LIMITS } from '../shard-index';

export const TOP_K_MAX = 1000;

export interface DenseSearchInput {
  query_vector?: number[] | null;
  /** Intake's extension: embedded with the collection's embedder, like text upserts. */
  query_text?: string | null;
  top_k: number;
  ef_search?: number;
  consistency: 'strong' | 'eventual';
}

export const DENSE_SEARCH_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'Exactly one of `query_vector` and `query_text` (a `null` counts as absent).',
  'x-exactly-one-of': ['query_vector', 'query_text'],
  properties: {
    query_vector: {
      type: ['array', 'null'],
      items: { type: 'number' },
      minItems: 1,
      maxItems: DIMENSION_MAX,
      description:
        "The collection's `dimension` finite numbers within the float32 range. Under `cosine` an all-zero query has no " +
        'direction and is answered 400.',
    },
    query_text: {
      type: ['string', 'null'],
      minLength: 1,
      pattern: '\\S',
      'x-rule': 'must be a non-empty string',
      description: '**Intake extension.** Embedded with the same embedder as `text` upserts; non-blank.',
    },
    top_k: { type: 'integer', minimum: 1, maximum: TOP_K_MAX, default: 10 },
    ef_search: {
      type: 'integer',
      minimum: HNSW_LIMITS.ef.min,
      maximum: HNSW_LIMITS.ef.max,
      description:
        "**Intake extension.** HNSW `ef` for this query (raised to `top_k` if lower); default: the collection's `hnsw.ef_search`.",
    },
    consistency: {
      type: 'string',
      enum: ['strong', 'eventual'],
      default: 'strong',
      description:
        '**Intake extension.** `strong` waits until the index has applied everything the log held when the query arrived ' +
        '(up to `INTAKE_APPLY_TIMEOUT_MS`, then 503); `eventual` searches what is applied now. Writes through this node ' +
        'are visible to both as soon as the write call returned.',
    },
  },
};

// POST /vectordb/collections: the request schema and its typed input.
import * as os from 'node:os';
import type { JsonSchema } from '../../common/request-schema';
import { NAME_SCHEMA } from '../../common/identifiers';
import { DIMENSION_MAX, HNSW_LIMITS, Metric } from '../shard-index';

export const SHARDS_MAX = 64;
export const DESCRIPTION_CHARS_MAX = 1024;
/** A collection's HNSW parameters when the request leaves them out. */
export const HNSW_DEFAULTS = { M: 16, efConstruction: 200, efSearch: 64 };
export const METRICS: readonly Metric[] = ['cosine', 'l2', 'ip'];

export interface CreateCollectionInput {
  name: string;
  description?: string | null;
  dense_vector: { enabled: true; dimension: number };
  metric: Metric;
  hnsw?: { M: number; ef_construction: number; ef_search: number };
  /** Omitted: defaultShardCount(). */
  shards?: number;
}

/**
 * Shards of a collection created without `shards`: one per core of the node that creates
 * it (os.availableParallelism(), at most SHARDS_MAX), so that its apply and search use the
 * whole machine (each shard's index lives in a worker thread). Not a schema default: the
 * OpenAPI document must not depend on the machine that generated it.
 */
export function defaultShardCount(): number {
  return Math.min(SHARDS_MAX, Math.max(1, os.availableParallelism()));
}

const { M, ef } = HNSW_LIMITS;

export const CREATE_COLLECTION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'dense_vector'],
  properties: {
    name: NAME_SCHEMA,
    description: {
      type: ['string', 'null'],
      maxLength: DESCRIPTION_CHARS_MAX,
      description: `Free text, at most ${DESCRIPTION_CHARS_MAX} characters.`,
    },
    dense_vector: {
      type: 'object',
      required: ['enabled', 'dimension'],
      properties: {
        enabled: {
          const: true,
          'x-rule': 'must be true (dense vectors are the only kind served)',
          description: 'Must be `true`; dense vectors are the only kind served.',
        },
        dimension: { type: 'integer', minimum: 1, maximum: DIMENSION_MAX },
      },
    },
    metric: {
      type: 'string',
      enum: METRICS,
      default: 'cosine',
      description: '**Intake extension.** Distance used by the index. `cosine` rejects all-zero vectors (they have no direction).',
    },
    hnsw: {
      type: 'object',
      description: '**Intake extension.** HNSW graph parameters (hnswlib), each optional.',
      properties: {
        M: { type: 'integer', minimum: M.min, maximum: M.max, default: HNSW_DEFAULTS.M },
        ef_construction: { type: 'integer', minimum: ef.min, maximum: ef.max, default: HNSW_DEFAULTS.efConstruction },
        ef_search: {
          type: 'integer',
          minimum: ef.min,
          maximum: ef.max,
          default: HNSW_DEFAULTS.efSearch,
          description: 'Default `ef` of searches that do not set `ef_search`.',
        },
      },
    },
    shards: {
      type: 'integer',
      minimum: 1,
      maximum: SHARDS_MAX,
      description:
        "**Intake extension.** Partitions of the collection's topic; each is an HNSW index of its own, held by a worker " +
        "thread, and a vector's shard is `murmur2(id) mod shards`. Fixed at creation. Default: the number of cores of " +
        'the node that creates the collection (`os.availableParallelism()`, at most 64).',
    },
  },
};

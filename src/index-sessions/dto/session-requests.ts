// The request schemas of seed 001 (/init, /ingest, /finalize, and the `index_name`
// query of /ingest/batch and /ingest/status) and their typed inputs. The vector's
// length and values depend on the index and are checked by the service.
import { NAME_SCHEMA, RECORD_ID_SCHEMA } from '../../common/identifiers';
import type { JsonSchema } from '../../common/request-schema';
import { DIMENSION_MAX, HNSW_LIMITS } from '../../collections/shard-index';
import { INGEST_MODES, IngestMode } from '../session-record';

const INDEX_NAME = { ...NAME_SCHEMA, description: "The index, i.e. the collection's name." };

export interface InitInput {
  index_name: string;
  mode: IngestMode;
}
export const INIT_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['index_name', 'mode'],
  properties: {
    index_name: INDEX_NAME,
    mode: {
      type: 'string',
      enum: INGEST_MODES,
      description:
        "What `/finalize` does with the session's rows: `build` replaces the index with them, `insert` adds them (an id " +
        'that exists is filed in `ingest_errors` as `DUPLICATE_ID`), `upsert` adds them or replaces existing ids.',
    },
  },
};

export interface IngestInput {
  index_name: string;
  external_id: string;
  vector: number[];
}
export const INGEST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['index_name', 'external_id', 'vector'],
  properties: {
    index_name: INDEX_NAME,
    external_id: { ...RECORD_ID_SCHEMA, description: `The vector's id: ${RECORD_ID_SCHEMA.description}` },
    vector: {
      type: 'array',
      items: { type: 'number' },
      minItems: 1,
      maxItems: DIMENSION_MAX,
      description:
        "Exactly the index's `dimension` finite numbers, each within the float32 range (|x| ≤ 3.4028234663852886e38; stored as float32).",
    },
  },
};

export interface FinalizeInput {
  index_name: string;
  optimize: boolean;
  params?: { M?: number | null; ef_construction?: number | null; ef_search?: number | null; rng_seed?: number | null } | null;
}
const { M, ef, randomSeed } = HNSW_LIMITS;
export const FINALIZE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['index_name'],
  properties: {
    index_name: INDEX_NAME,
    optimize: {
      type: 'boolean',
      default: false,
      description:
        "`true` sizes each shard's graph to its final element count before the build, so it never resizes during it; " +
        '`false` lets it grow as rows are added. Either way the new index is checkpointed as soon as it is swapped in.',
    },
    params: {
      type: ['object', 'null'],
      description:
        "HNSW parameters of a `build`, each optional (`null` counts as absent); default: the collection's `hnsw`, and " +
        "`rng_seed` 100. `insert` and `upsert` keep the existing graph's parameters.",
      properties: {
        M: { type: ['integer', 'null'], minimum: M.min, maximum: M.max },
        ef_construction: { type: ['integer', 'null'], minimum: ef.min, maximum: ef.max },
        ef_search: {
          type: ['integer', 'null'],
          minimum: ef.min,
          maximum: ef.max,
          description: 'Default `ef` of searches of the new index that do not set `ef_search`.',
        },
        rng_seed: {
          type: ['integer', 'null'],
          minimum: randomSeed.min,
          maximum: randomSeed.max,
          description: "Seed of hnswlib's level generator; the same rows in the same order and seed give the same graph.",
        },
      },
    },
  },
};

/** The query of /ingest/batch and /ingest/status. */
export interface IndexNameQuery {
  index_name: string;
}
export const INDEX_NAME_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['index_name'],
  properties: { index_name: { ...INDEX_NAME, description: "The index, i.e. the collection's name. Missing or invalid is 400 with `field` = `index_name`." } },
};

/** A finalize request with its absent (or null) params left undefined, for the service to default. */
export interface FinalizeRequest {
  indexName: string;
  optimize: boolean;
  params: { M?: number; efConstruction?: number; efSearch?: number; randomSeed?: number };
}

export function finalizeRequest(input: FinalizeInput): FinalizeRequest {
  const p = input.params ?? {};
  return {
    indexName: input.index_name,
    optimize: input.optimize,
    params: { M: p.M ?? undefined, efConstruction: p.ef_construction ?? undefined, efSearch: p.ef_search ?? undefined, randomSeed: p.rng_seed ?? undefined },
  };
}

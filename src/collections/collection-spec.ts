// A collection's definition, made from a create request that has passed its schema
// (src/collections/dto/create-collection.ts), with the defaults filled in.

import type { Metric } from './shard-index';
import { CreateCollectionInput, HNSW_DEFAULTS, defaultShardCount } from './dto/create-collection';

export interface CollectionSpec {
  name: string;
  description: string | null;
  dimension: number;
  metric: Metric;
  hnsw: { M: number; efConstruction: number; efSearch: number };
  shards: number;
}

export function collectionSpecOf(input: CreateCollectionInput): CollectionSpec {
  return {
    name: input.name,
    description: input.description ?? null,
    dimension: input.dense_vector.dimension,
    metric: input.metric,
    hnsw: {
      M: input.hnsw?.M ?? HNSW_DEFAULTS.M,
      efConstruction: input.hnsw?.ef_construction ?? HNSW_DEFAULTS.efConstruction,
      efSearch: input.hnsw?.ef_search ?? HNSW_DEFAULTS.efSearch,
    },
    shards: input.shards ?? defaultShardCount(),
  };
}

/** The collection as the API shows it (Cosdata field names). */
export function collectionView(spec: CollectionSpec, createdAt?: Date) {
  return {
    id: spec.name,
    name: spec.name,
    description: spec.description,
    dense_vector: { enabled: true, dimension: spec.dimension },
    metric: spec.metric,
    hnsw: { M: spec.hnsw.M, ef_construction: spec.hnsw.efConstruction, ef_search: spec.hnsw.efSearch },
    shards: spec.shards,
    ...(createdAt ? { created_at: createdAt.toISOString() } : {}),
  };
}

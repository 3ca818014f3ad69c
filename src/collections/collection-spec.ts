// A collection's definition, parsed from the Cosdata-style create request.
// Every rule is checked here and reported with the field it concerns.

import { Errors } from '../common/errors';
import { requireName } from '../common/identifiers';
import type { Metric } from './shard-index';

export interface CollectionSpec {
  name: string;
  description: string | null;
  dimension: number;
  metric: Metric;
  hnsw: { M: number; efConstruction: number; efSearch: number };
  shards: number;
}

export const DIMENSION_MAX = 4096;
export const SHARDS_MAX = 64;
export const DESCRIPTION_CHARS_MAX = 1024;
export const HNSW_DEFAULTS = { M: 16, efConstruction: 200, efSearch: 64 };

function intIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw Errors.validation(field, `must be an integer in [${min}, ${max}]`);
  }
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseCollectionSpec(body: unknown): CollectionSpec {
  if (!isObject(body)) throw Errors.validation('body', 'must be a JSON object');
  const { description, dense_vector: dense, metric, hnsw, shards } = body;
  const name = requireName(body.name, 'name');
  if (description !== undefined && description !== null && (typeof description !== 'string' || description.length > DESCRIPTION_CHARS_MAX)) {
    throw Errors.validation('description', `must be a string of at most ${DESCRIPTION_CHARS_MAX} characters`);
  }
  if (!isObject(dense)) throw Errors.validation('dense_vector', 'is required: {"enabled": true, "dimension": n}');
  if (dense.enabled !== true) throw Errors.validation('dense_vector.enabled', 'must be true (dense vectors are the only kind served)');
  const dimension = intIn(dense.dimension, 'dense_vector.dimension', 1, DIMENSION_MAX);
  const m = metric ?? 'cosine';
  if (m !== 'cosine' && m !== 'l2' && m !== 'ip') throw Errors.validation('metric', 'must be one of cosine, l2, ip');
  let params = { ...HNSW_DEFAULTS };
  if (hnsw !== undefined) {
    if (!isObject(hnsw)) throw Errors.validation('hnsw', 'must be an object {M, ef_construction, ef_search}');
    params = {
      M: hnsw.M === undefined ? params.M : intIn(hnsw.M, 'hnsw.M', 2, 128),
      efConstruction: hnsw.ef_construction === undefined ? params.efConstruction : intIn(hnsw.ef_construction, 'hnsw.ef_construction', 1, 4096),
      efSearch: hnsw.ef_search === undefined ? params.efSearch : intIn(hnsw.ef_search, 'hnsw.ef_search', 1, 4096),
    };
  }
  return {
    name,
    description: (description as string | undefined) ?? null,
    dimension,
    metric: m,
    hnsw: params,
    shards: shards === undefined ? 1 : intIn(shards, 'shards', 1, SHARDS_MAX),
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

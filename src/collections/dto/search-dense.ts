// Parsing of POST /vectordb/collections/{id}/search/dense.
import { Errors } from '../../common/errors';
import { parseDense } from './upsert-vectors';

export const TOP_K_MAX = 1000;
export const EF_SEARCH_MAX = 4096;

export interface DenseSearch {
  query: number[];
  topK: number;
  efSearch: number | undefined;
  consistency: 'strong' | 'eventual';
}

export function parseDenseSearch(body: unknown, dimension: number): DenseSearch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw Errors.validation('body', 'must be a JSON object');
  const b = body as Record<string, unknown>;
  const query = parseDense(b.query_vector, 'query_vector', dimension);
  const topK = b.top_k ?? 10;
  if (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1 || topK > TOP_K_MAX) {
    throw Errors.validation('top_k', `must be an integer in [1, ${TOP_K_MAX}]`);
  }
  const ef = b.ef_search;
  if (ef !== undefined && (typeof ef !== 'number' || !Number.isInteger(ef) || ef < 1 || ef > EF_SEARCH_MAX)) {
    throw Errors.validation('ef_search', `must be an integer in [1, ${EF_SEARCH_MAX}]`);
  }
  const consistency = b.consistency ?? 'strong';
  if (consistency !== 'strong' && consistency !== 'eventual') throw Errors.validation('consistency', 'must be "strong" or "eventual"');
  return { query, topK, efSearch: ef as number | undefined, consistency };
}

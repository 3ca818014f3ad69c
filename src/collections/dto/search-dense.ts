// Parsing of POST /vectordb/collections/{id}/search/dense.
import { Errors } from '../../common/errors';
import { parseDense } from './upsert-vectors';

export const TOP_K_MAX = 1000;
export const EF_SEARCH_MAX = 4096;

export interface DenseSearch {
  /** The query vector, or null when query_text is to be embedded. */
  query: number[] | null;
  queryText: string | null;
  topK: number;
  efSearch: number | undefined;
  consistency: 'strong' | 'eventual';
}

export function parseDenseSearch(body: unknown, dimension: number): DenseSearch {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw Errors.validation('body', 'must be a JSON object');
  const b = body as Record<string, unknown>;
  // query_text is Intake's extension: embedded with the collection's embedder, like text upserts.
  const hasVector = b.query_vector !== undefined && b.query_vector !== null;
  const hasText = b.query_text !== undefined && b.query_text !== null;
  if (hasVector === hasText) throw Errors.validation('query_vector', 'exactly one of query_vector and query_text is required');
  if (hasText && (typeof b.query_text !== 'string' || b.query_text.trim() === '')) {
    throw Errors.validation('query_text', 'must be a non-empty string');
  }
  const query = hasVector ? parseDense(b.query_vector, 'query_vector', dimension) : null;
  const queryText = hasText ? (b.query_text as string) : null;
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
  return { query, queryText, topK, efSearch: ef as number | undefined, consistency };
}

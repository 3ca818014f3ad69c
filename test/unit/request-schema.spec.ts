// The request schemas with the one translation of Ajv's errors: which field a 400
// names and what it says, for each route's body; defaults applied from the schema.
import { ValidationError } from '../../src/common/errors';
import { compileRequestSchema, fieldOf } from '../../src/common/request-schema';
import { NAME_SCHEMA, RECORD_ID_SCHEMA } from '../../src/common/identifiers';
import { CREATE_COLLECTION_SCHEMA, CreateCollectionInput } from '../../src/collections/dto/create-collection';
import { DENSE_SEARCH_SCHEMA, DenseSearchInput } from '../../src/collections/dto/search-dense';
import { UPSERT_VECTORS_SCHEMA, UpsertVectorsInput, vectorInputs } from '../../src/collections/dto/upsert-vectors';
import { FINALIZE_SCHEMA, FinalizeInput, INDEX_NAME_QUERY_SCHEMA, INGEST_SCHEMA, INIT_SCHEMA, finalizeRequest } from '../../src/index-sessions/dto/session-requests';

function refusal(parse: () => unknown): { field?: string; message: string } {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return { field: (err as ValidationError).field, message: (err as Error).message };
  }
  throw new Error('accepted');
}

describe('request schemas', () => {
  const create = compileRequestSchema<CreateCollectionInput>(CREATE_COLLECTION_SCHEMA);
  const upsert = compileRequestSchema<UpsertVectorsInput>(UPSERT_VECTORS_SCHEMA);
  const search = compileRequestSchema<DenseSearchInput>(DENSE_SEARCH_SCHEMA);
  const init = compileRequestSchema(INIT_SCHEMA);
  const ingest = compileRequestSchema(INGEST_SCHEMA);
  const finalize = compileRequestSchema<FinalizeInput>(FINALIZE_SCHEMA);
  const query = compileRequestSchema(INDEX_NAME_QUERY_SCHEMA);
  const collectionParam = compileRequestSchema<string>(NAME_SCHEMA, 'collection');
  const vectorIdParam = compileRequestSchema<string>(RECORD_ID_SCHEMA, 'vector_id');

  it('turns JSON pointers into field paths', () => {
    expect(fieldOf('', '/vectors/3/dense_values')).toBe('vectors[3].dense_values');
    expect(fieldOf('', '/params/M')).toBe('params.M');
    expect(fieldOf('', '/vector/5')).toBe('vector[5]');
    expect(fieldOf('', '')).toBe('body');
    expect(fieldOf('collection', '')).toBe('collection');
    expect(fieldOf('', '/a~1b/c~0d')).toBe('a/b.c~d');
  });

  it('fills defaults from the schema and names the field of each refusal', () => {
    const ok = create.parse({ name: 'docs', dense_vector: { enabled: true, dimension: 4 }, hnsw: { M: 8 } });
    expect(ok).toMatchObject({ metric: 'cosine', hnsw: { M: 8, ef_construction: 200, ef_search: 64 } });
    // No schema default for shards: the collection takes one per core (defaultShardCount) when created.
    expect(ok).not.toHaveProperty('shards');
    const cases: [unknown, string, RegExp][] = [
      [{ name: 'Bad Name', dense_vector: { enabled: true, dimension: 4 } }, 'name', /must match \[a-z0-9\]/],
      [{ name: 'x1' }, 'dense_vector', /dense_vector: is required/],
      [{ name: 'x2', dense_vector: { enabled: true, dimension: 0 } }, 'dense_vector.dimension', /must be an integer in \[1, 4096\], got 0/],
      [{ name: 'x2', dense_vector: { enabled: false, dimension: 4 } }, 'dense_vector.enabled', /must be true/],
      [{ name: 'x3', dense_vector: { enabled: true, dimension: 4 }, metric: 'manhattan' }, 'metric', /one of cosine, l2, ip/],
      [{ name: 'x4', dense_vector: { enabled: true, dimension: 4 }, hnsw: { M: 1 } }, 'hnsw.M', /\[2, 128\]/],
      [{ name: 'x5', dense_vector: { enabled: true, dimension: 4 }, shards: 0 }, 'shards', /\[1, 64\]/],
      [[], 'body', /body: must be a JSON object, got an array of 0/],
      [undefined, 'body', /got nothing/],
    ];
    for (const [body, field, message] of cases) {
      const r = refusal(() => create.parse(body));
      expect({ body, field: r.field }).toEqual({ body, field });
      expect(r.message).toMatch(message);
      expect(r.message.startsWith(`${field}: `)).toBe(true);
    }
  });

  it('upsert: item paths, exactly one of dense_values and text, the id rule, distinct ids', () => {
    const v = [0.1, 0.2];
    const cases: [unknown, string][] = [
      [{ vectors: [{ id: 'a', dense_values: v }, { id: 'b', dense_values: [1, 'x'] }] }, 'vectors[1].dense_values[1]'],
      [{ vectors: [{ id: '', dense_values: v }] }, 'vectors[0].id'],
      [{ vectors: [{ id: 'x'.repeat(257), dense_values: v }] }, 'vectors[0].id'],
      [{ vectors: [{ id: 'a\u0000b', dense_values: v }] }, 'vectors[0].id'],
      [{ vectors: [{ dense_values: v }] }, 'vectors[0].id'],
      [{ vectors: [{ id: 'both', dense_values: v, text: 'hi' }] }, 'vectors[0]'],
      [{ vectors: [{ id: 'neither' }] }, 'vectors[0]'],
      [{ vectors: [{ id: 't', text: '   ' }] }, 'vectors[0].text'],
      [{ vectors: [{ id: 'm', dense_values: v, metadata: [1] }] }, 'vectors[0].metadata'],
      [{ vectors: [] }, 'vectors'],
      [{}, 'vectors'],
    ];
    for (const [body, field] of cases) expect({ body, field: refusal(() => upsert.parse(body)).field }).toEqual({ body, field });
    expect(refusal(() => upsert.parse({ vectors: [{ id: 'x'.repeat(300), dense_values: v }] })).message).toMatch(/at most 256 bytes/);
    // null counts as absent
    expect(vectorInputs(upsert.parse({ vectors: [{ id: 'a', dense_values: null, text: 'hello', metadata: null }] }))).toEqual([
      { id: 'a', values: null, text: 'hello', metadata: null },
    ]);
    const twice = refusal(() => vectorInputs(upsert.parse({ vectors: [{ id: 'a', dense_values: v }, { id: 'a', text: 'x' }] })));
    expect(twice).toEqual({ field: 'vectors[1].id', message: "vectors[1].id: 'a' appears twice in this request" });
    const huge = { big: 'x'.repeat(70_000) };
    expect(refusal(() => vectorInputs(upsert.parse({ vectors: [{ id: 'a', dense_values: v, metadata: huge }] }))).field).toBe('vectors[0].metadata');
  });

  it('search: defaults, exactly one query, bounds', () => {
    expect(search.parse({ query_vector: [1, 2] })).toEqual({ query_vector: [1, 2], top_k: 10, consistency: 'strong' });
    expect(refusal(() => search.parse({ top_k: 3 })).message).toBe('body: must carry exactly one of query_vector and query_text');
    expect(refusal(() => search.parse({ query_vector: [1], top_k: 1001 })).field).toBe('top_k');
    expect(refusal(() => search.parse({ query_vector: [1], ef_search: 5000 })).field).toBe('ef_search');
    expect(refusal(() => search.parse({ query_vector: [1], consistency: 'weak' })).field).toBe('consistency');
    expect(refusal(() => search.parse({ query_text: ' ' })).field).toBe('query_text');
  });

  it('sessions: fields of /init, /ingest, /finalize and the index_name query', () => {
    expect(refusal(() => init.parse({ index_name: 'errs', mode: 'rebuild' })).field).toBe('mode');
    expect(refusal(() => init.parse({ mode: 'build' })).field).toBe('index_name');
    expect(refusal(() => init.parse({ index_name: 'a\u0000', mode: 'build' })).field).toBe('index_name');
    expect(refusal(() => ingest.parse({ index_name: 'errs', vector: [0.1] })).field).toBe('external_id');
    expect(refusal(() => ingest.parse({ index_name: 'errs', external_id: 'x' })).field).toBe('vector');
    expect(refusal(() => ingest.parse({ index_name: 'errs', external_id: 'x', vector: [0.1, 'a'] })).field).toBe('vector[1]');
    expect(refusal(() => finalize.parse({ index_name: 'errs', params: { M: 0 } })).field).toBe('params.M');
    expect(refusal(() => finalize.parse({ index_name: 'errs', params: { rng_seed: 2 ** 31 } })).field).toBe('params.rng_seed');
    expect(finalizeRequest(finalize.parse({ index_name: 'i', params: { M: 8, ef_search: null } }))).toEqual({
      indexName: 'i',
      optimize: false,
      params: { M: 8, efConstruction: undefined, efSearch: undefined, randomSeed: undefined },
    });
    expect(refusal(() => query.parse({})).field).toBe('index_name');
  });

  it('path parameters name their own field', () => {
    expect(collectionParam.parse('docs')).toBe('docs');
    expect(refusal(() => collectionParam.parse('\u0000'))).toEqual({ field: 'collection', message: 'collection: must match [a-z0-9][a-z0-9_-]{0,62}' });
    expect(refusal(() => vectorIdParam.parse('y'.repeat(257))).field).toBe('vector_id');
    expect(vectorIdParam.parse('x'.repeat(200) + 'é'.repeat(28))).toHaveLength(228);
  });
});

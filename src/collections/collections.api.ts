// The documentation and input schemas of the collection routes (Cosdata's collection
// API and seed 000's streaming upsert/delete), one entry per controller method. The
// schemas are the ones requests are validated with; /openapi.json is built from here.
import { ApiPathParam, ApiRouteDoc, md } from '../common/api-route';
import { NAME_SCHEMA, RECORD_ID_SCHEMA } from '../common/identifiers';
import { CREATE_COLLECTION_SCHEMA } from './dto/create-collection';
import { DENSE_SEARCH_SCHEMA } from './dto/search-dense';
import { UPSERT_VECTORS_SCHEMA } from './dto/upsert-vectors';

const COLLECTION_ID: ApiPathParam = {
  name: 'collection_id',
  field: 'collection',
  description: "The collection's id, which is its name.",
  schema: NAME_SCHEMA,
};
const VECTOR_ID: ApiPathParam = {
  name: 'vector_id',
  field: 'vector_id',
  description: 'The id of the vector to delete (1–256 bytes of UTF-8; URL-encode it).',
  schema: RECORD_ID_SCHEMA,
};

export const CollectionsApi = {
  create: {
    operationId: 'createCollection',
    summary: 'Create a collection',
    description: md(
      "Creates the collection's definition in Postgres and its topic",
      "`intake.collection.<name>` with `shards` partitions, then starts this node's",
      "materializer for it. The collection's `id` is its `name`.",
    ),
    tags: ['collections'],
    body: {
      schema: CREATE_COLLECTION_SCHEMA,
      example: {
        name: 'docs',
        description: 'product docs',
        dense_vector: { enabled: true, dimension: 384 },
        metric: 'cosine',
        hnsw: { M: 16, ef_construction: 200, ef_search: 64 },
        shards: 2,
      },
    },
    responses: {
      '201': {
        description: 'Created.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Collection' } } },
      },
      '400': { $ref: '#/components/responses/ValidationFailed' },
      '409': {
        description: 'A collection with this name already exists (`INTAKE_CONFLICT`, with `kind` = `collection` and `id`).',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: {
              error: {
                code: 'INTAKE_CONFLICT',
                message: "collection 'docs' already exists",
                kind: 'collection',
                id: 'docs',
              },
            },
          },
        },
      },
      '413': { $ref: '#/components/responses/PayloadTooLarge' },
      '415': { $ref: '#/components/responses/UnsupportedMediaType' },
      '500': { $ref: '#/components/responses/InternalError' },
    },
  },
  list: {
    operationId: 'listCollections',
    summary: 'List collections',
    description: 'Every collection in the database, ordered by name.',
    tags: ['collections'],
    responses: {
      '200': {
        description: 'The collections.',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['collections'],
              properties: { collections: { type: 'array', items: { $ref: '#/components/schemas/Collection' } } },
            },
          },
        },
      },
      '500': { $ref: '#/components/responses/InternalError' },
    },
  },
  get: {
    operationId: 'getCollection',
    summary: 'Get a collection',
    tags: ['collections'],
    params: { id: COLLECTION_ID },
    responses: {
      '200': {
        description: 'The collection.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Collection' } } },
      },
      '404': { $ref: '#/components/responses/CollectionNotFound' },
      '500': { $ref: '#/components/responses/InternalError' },
    },
  },
  delete: {
    operationId: 'deleteCollection',
    summary: 'Delete a collection',
    description: md(
      "Stops this node's materializer, deletes its index files, deletes the topic",
      '`intake.collection.<name>` (all its records) and the definition.',
    ),
    tags: ['collections'],
    params: { id: COLLECTION_ID },
    responses: {
      '204': { description: 'Deleted.' },
      '404': { $ref: '#/components/responses/CollectionNotFound' },
      '500': { $ref: '#/components/responses/InternalError' },
    },
  },
  upsert: {
    operationId: 'streamingUpsert',
    summary: 'Upsert vectors (immediately searchable)',
    description: md(
      'Validates the whole batch first (a single bad vector rejects the request and',
      "nothing is appended), embeds `text` items with the collection's embedder,",
      "appends one record per vector to the collection's topic (the vector id is the",
      "key, so an id always lands in the same shard) and returns once this node's",
      'index has applied every record of the request.',
      '',
      'An upsert of an existing id replaces its vector (and metadata). Retrying a',
      'request is safe: the result is the same.',
    ),
    tags: ['streaming'],
    params: { id: COLLECTION_ID },
    body: {
      schema: UPSERT_VECTORS_SCHEMA,
      example: {
        vectors: [
          { id: 'vector_id_1', dense_values: [0.1, 0.2, 0.3, 0.4], metadata: { lang: 'en' } },
          { id: 'vector_id_2', text: 'Document text content' },
        ],
      },
    },
    responses: {
      '200': {
        description: 'Every vector is in the log and applied to the index.',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/UpsertResponse' },
            example: { success: true, count: 2 },
          },
        },
      },
      '400': { $ref: '#/components/responses/ValidationFailed' },
      '404': { $ref: '#/components/responses/CollectionNotFound' },
      '413': { $ref: '#/components/responses/PayloadTooLarge' },
      '415': { $ref: '#/components/responses/UnsupportedMediaType' },
      '500': { $ref: '#/components/responses/InternalError' },
      '503': {
        description: md(
          '**Intake extension.** `INTAKE_UNAVAILABLE`, in one of two cases:',
          '',
          "- The records are durably in the log but this node's index did not apply",
          '  them within `INTAKE_APPLY_TIMEOUT_MS` (default 10,000 ms). The write is',
          '  **not lost**: it becomes searchable once the materializer catches up.',
          '  `offsets` maps each shard (partition) written to the offset of this',
          "  request's last record in it (a decimal string).",
          '- The text embedder failed (`embedder` names it); nothing was appended.',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            examples: {
              notYetApplied: {
                summary: 'In the log, not yet applied',
                value: {
                  error: {
                    code: 'INTAKE_UNAVAILABLE',
                    message: 'write to docs is in the log but not yet applied after 10000 ms',
                    offsets: { '0': '41872', '1': '40113' },
                  },
                },
              },
              embedderDown: {
                summary: 'The embedder failed',
                value: {
                  error: {
                    code: 'INTAKE_UNAVAILABLE',
                    message: 'the text embedder failed: connect ECONNREFUSED',
                    embedder: 'openai:text-embedding-3-small',
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  deleteVector: {
    operationId: 'streamingDelete',
    summary: 'Delete a vector (immediately invisible to search)',
    description: md(
      "Waits until this node's index has applied everything the log held when the",
      'call arrived (so a vector upserted just before is found), then appends a',
      'tombstone (null value keyed by the id) and returns once it is applied.',
    ),
    tags: ['streaming'],
    params: { id: COLLECTION_ID, vectorId: VECTOR_ID },
    responses: {
      '204': { description: 'Deleted; search no longer returns it.' },
      '404': {
        description: md(
          '`INTAKE_NOT_FOUND`: the collection does not exist (`kind` = `collection`) or',
          'holds no live vector with this id (`kind` = `vector`).',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: {
              error: { code: 'INTAKE_NOT_FOUND', message: "vector 'v5' not found", kind: 'vector', id: 'v5' },
            },
          },
        },
      },
      '500': { $ref: '#/components/responses/InternalError' },
      '503': {
        description: md(
          '**Intake extension.** `INTAKE_UNAVAILABLE`: the index did not catch up with',
          'the log within `INTAKE_APPLY_TIMEOUT_MS` before the delete (`lag` = records',
          'behind, a decimal string; nothing was appended), or the tombstone is in the',
          'log but not yet applied (`offsets`, as for upsert; it will be).',
        ),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    },
  },
  search: {
    operationId: 'searchDense',
    summary: 'Dense vector search',
    description: md(
      'The `top_k` nearest live vectors across all shards, best first. With',
      "`consistency: strong` (the default) the search first waits until this node's",
      'index has applied everything the log held when the query arrived.',
    ),
    tags: ['search'],
    params: { id: COLLECTION_ID },
    body: {
      schema: DENSE_SEARCH_SCHEMA,
      examples: {
        byVector: { value: { query_vector: [0.1, 0.2, 0.3, 0.4], top_k: 5 } },
        byText: {
          summary: 'Intake extension',
          value: { query_text: 'kafka partitions', top_k: 5, consistency: 'eventual' },
        },
      },
    },
    responses: {
      '200': {
        description: 'The hits, best (highest score) first; fewer than `top_k` when the collection holds fewer live vectors.',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/DenseSearchResponse' },
            example: { results: [{ id: 'vector_id_1', score: 0.9931 }, { id: 'vector_id_7', score: 0.8412 }] },
          },
        },
      },
      '400': { $ref: '#/components/responses/ValidationFailed' },
      '404': { $ref: '#/components/responses/CollectionNotFound' },
      '413': { $ref: '#/components/responses/PayloadTooLarge' },
      '415': { $ref: '#/components/responses/UnsupportedMediaType' },
      '500': { $ref: '#/components/responses/InternalError' },
      '503': {
        description: md(
          '**Intake extension.** `INTAKE_UNAVAILABLE`: with `consistency: strong`, the',
          'index did not catch up with the log within `INTAKE_APPLY_TIMEOUT_MS` (`lag` =',
          'records behind, a decimal string); or the embedder failed for `query_text`.',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: {
              error: {
                code: 'INTAKE_UNAVAILABLE',
                message: 'collection docs has not applied the log within 10000 ms',
                lag: '5120',
              },
            },
          },
        },
      },
    },
  },

} satisfies Record<string, ApiRouteDoc>;

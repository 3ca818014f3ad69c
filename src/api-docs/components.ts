// The parts of /openapi.json that routes share: error responses and response bodies.
// Request schemas are not here: each route carries its own (see @ApiRoute), and they
// are the ones the server validates with.
import { API_TOKEN_SCHEMA } from '../auth/tokens.api';
import type { ApiResponse } from '../common/api-route';
import { NAME_SCHEMA } from '../common/identifiers';
import type { JsonSchema } from '../common/request-schema';
import { DIMENSION_MAX } from '../collections/shard-index';
import { INGEST_MODES } from '../index-sessions/session-record';
import { md } from '../common/api-route';

export const RESPONSES: Record<string, ApiResponse> = {
  ValidationFailed: {
    description: md(
      '`INTAKE_VALIDATION`: the body breaks a rule. `field` names the offending field',
      '(e.g. `vectors[3].dense_values`), `rule` says what it must be, and `message` is',
      '`<field>: <rule>`. A body that is not valid JSON is `INTAKE_VALIDATION` with `field` = `body`.',
    ),
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        example: {
          error: {
            code: 'INTAKE_VALIDATION',
            message: 'vectors[3].dense_values: expected 128 numbers, got 127',
            field: 'vectors[3].dense_values',
            rule: 'expected 128 numbers, got 127',
          },
        },
      },
    },
  },
  CollectionNotFound: {
    description: '`INTAKE_NOT_FOUND` with `kind` = `collection` and `id`: no such collection on this node.',
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        example: {
          error: {
            code: 'INTAKE_NOT_FOUND',
            message: "collection 'nope' not found",
            kind: 'collection',
            id: 'nope',
          },
        },
      },
    },
  },
  IndexNotFound: {
    description: '`INTAKE_NOT_FOUND` with `kind` = `index` and `id`: no collection of this name on this node.',
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        example: {
          error: {
            code: 'INTAKE_NOT_FOUND',
            message: "index 'nope' not found",
            kind: 'index',
            id: 'nope',
          },
        },
      },
    },
  },
  NoOpenSession: {
    description: md(
      '**Intake extension.** `INTAKE_INVALID_STATE` with `index_name`: the index has no',
      'open ingest session (call `/init` first), or its session is being finalized',
      '(then also `session_id`). Nothing was appended.',
    ),
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        example: {
          error: {
            code: 'INTAKE_INVALID_STATE',
            message: "index 'my_index' has no open ingest session; call POST /init first",
            index_name: 'my_index',
          },
        },
      },
    },
  },
  PayloadTooLarge: {
    description: '`INTAKE_PAYLOAD_TOO_LARGE`: the request body exceeds 64 MiB.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  UnsupportedMediaType: {
    description: '`INTAKE_UNSUPPORTED_MEDIA_TYPE`: the body is not `application/json`; the message names the type sent.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  Unauthorized: {
    description: '`INTAKE_UNAUTHORIZED` with `WWW-Authenticate: Bearer`: the bearer token is missing, malformed, unknown, expired or revoked.',
    headers: { 'WWW-Authenticate': { schema: { type: 'string', const: 'Bearer' } } },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  Forbidden: {
    description: '`INTAKE_FORBIDDEN`: the token lacks the scope this operation needs (`x-intake-scope`), or may not act on this resource.',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  RateLimited: {
    description: '`INTAKE_RATE_LIMITED`: the token is over its rate on this node; nothing of the request was applied.',
    headers: {
      'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' },
      'RateLimit-Limit': { schema: { type: 'integer' } },
      'RateLimit-Remaining': { schema: { type: 'integer' } },
      'RateLimit-Reset': { schema: { type: 'integer' }, description: 'Seconds until the budget is full again.' },
    },
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  },
  InternalError: {
    description: '`INTAKE_INTERNAL`: an unexpected error; the detail is in the server log, not in the body.',
    content: {
      'application/json': {
        schema: { $ref: '#/components/schemas/Error' },
        example: { error: { code: 'INTAKE_INTERNAL', message: 'internal error' } },
      },
    },
  },
};

export const SCHEMAS: Record<string, JsonSchema> = {
  ApiToken: API_TOKEN_SCHEMA,
  CollectionName: NAME_SCHEMA,
  Collection: {
    type: 'object',
    required: ['id', 'name', 'description', 'dense_vector', 'metric', 'hnsw', 'shards'],
    properties: {
      id: { type: 'string', description: 'Same as `name`.' },
      name: { $ref: '#/components/schemas/CollectionName' },
      description: { type: ['string', 'null'] },
      dense_vector: {
        type: 'object',
        required: ['enabled', 'dimension'],
        properties: { enabled: { const: true }, dimension: { type: 'integer', minimum: 1, maximum: DIMENSION_MAX } },
      },
      metric: { type: 'string', enum: ['cosine', 'l2', 'ip'], description: '**Intake extension.**' },
      hnsw: {
        type: 'object',
        description: '**Intake extension.**',
        required: ['M', 'ef_construction', 'ef_search'],
        properties: {
          M: { type: 'integer' },
          ef_construction: { type: 'integer' },
          ef_search: { type: 'integer' },
        },
      },
      shards: { type: 'integer', description: '**Intake extension.**' },
      created_at: {
        type: 'string',
        format: 'date-time',
        description: 'When the collection was created (ISO 8601, UTC).',
      },
    },
    example: {
      id: 'docs',
      name: 'docs',
      description: 'product docs',
      dense_vector: { enabled: true, dimension: 384 },
      metric: 'cosine',
      hnsw: { M: 16, ef_construction: 200, ef_search: 64 },
      shards: 2,
      created_at: '2025-11-22T10:00:00.000Z',
    },
  },
  UpsertResponse: {
    type: 'object',
    required: ['success', 'count'],
    properties: {
      success: { const: true },
      count: {
        type: 'integer',
        minimum: 1,
        description: 'Vectors written (= the length of `vectors`).',
      },
    },
  },
  DenseSearchResponse: {
    type: 'object',
    required: ['results'],
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'score'],
          properties: {
            id: { type: 'string' },
            score: {
              type: 'number',
              description: md(
                'Higher is better: cosine similarity (`cosine`), inner product (`ip`),',
                'or the negated squared Euclidean distance (`l2`).',
              ),
            },
          },
        },
      },
    },
  },
  IngestMode: { type: 'string', enum: INGEST_MODES },
  InitResponse: {
    type: 'object',
    required: ['success', 'message', 'index_name'],
    properties: {
      success: { const: true },
      message: { type: 'string', description: "`Index '<index_name>' initialized in '<mode>' mode`." },
      index_name: { $ref: '#/components/schemas/CollectionName' },
    },
  },
  IngestResponse: { type: 'object', required: ['success'], properties: { success: { const: true } } },
  BatchIngestResponse: {
    type: 'object',
    required: ['success', 'count'],
    properties: {
      success: { const: true },
      count: {
        type: 'integer',
        minimum: 0,
        description: 'Rows appended (the body length divided by the row size).',
      },
    },
  },
  FinalizeResponse: {
    type: 'object',
    required: ['success', 'message', 'index_name'],
    properties: {
      success: { const: true },
      message: {
        type: 'string',
        description: "`Finalized ingest for index '<index_name>' (optimize=<true|false>)`.",
      },
      index_name: { $ref: '#/components/schemas/CollectionName' },
    },
  },
  IngestStatus: {
    type: 'object',
    description: '**Intake extension.**',
    required: ['index_name', 'session', 'vectors'],
    properties: {
      index_name: { $ref: '#/components/schemas/CollectionName' },
      session: {
        type: ['object', 'null'],
        description: "The index's ingest session; `null` when it has none.",
        required: ['session_id', 'mode', 'status', 'rows_staged', 'build'],
        properties: {
          session_id: {
            type: 'string',
            format: 'uuid',
            description: "The id the session's rows carry in the `intake-session` header.",
          },
          mode: { $ref: '#/components/schemas/IngestMode' },
          status: { type: 'string', enum: ['open', 'finalizing'] },
          rows_staged: {
            type: 'integer',
            minimum: 0,
            description: 'Rows acknowledged by `/ingest` and `/ingest/batch` in this session.',
          },
          build: {
            type: ['object', 'null'],
            description: md(
              '`null` until a shard of this node starts building the session; then the',
              'rows indexed so far and the rows to index, summed over the shards.',
            ),
            required: ['rows_indexed', 'total'],
            properties: { rows_indexed: { type: 'integer', minimum: 0 }, total: { type: 'integer', minimum: 0 } },
          },
        },
      },
      vectors: {
        type: 'integer',
        minimum: 0,
        description: 'Live vectors in the index on this node (what searches see now).',
      },
    },
  },
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        description: md(
          'Besides `code`, `message` and `field`, an error carries machine-readable',
          'facts in snake_case: `rule` (validation), `kind` and `id` (not found,',
          'conflict), `index_name` / `session_id` (invalid state, ingest sessions),',
          '`offsets`, `lag` or `session_id` (unavailable), `limit_bytes` / `actual_bytes`',
          '(payload too large), `expected` (unsupported media type), `retry_after_ms`',
          '(rate limited; also a `Retry-After` header).',
        ),
        properties: {
          code: {
            type: 'string',
            description: md(
              'Stable; branch on it. From the catalog in src/common/errors.ts:',
              '',
              '| code | status |',
              '|---|---|',
              '| `INTAKE_VALIDATION` | 400 |',
              '| `INTAKE_UNAUTHORIZED` | 401 (with `WWW-Authenticate: Bearer`) |',
              '| `INTAKE_FORBIDDEN` | 403 |',
              '| `INTAKE_NOT_FOUND` | 404 |',
              '| `INTAKE_CONFLICT` | 409 |',
              '| `INTAKE_INVALID_STATE` | 409 |',
              '| `INTAKE_PAYLOAD_TOO_LARGE` | 413 |',
              '| `INTAKE_UNSUPPORTED_MEDIA_TYPE` | 415 |',
              '| `INTAKE_URI_TOO_LONG` | 414 (a path parameter over 1,024 characters) |',
              '| `INTAKE_RATE_LIMITED` | 429 (with `Retry-After`) |',
              '| `INTAKE_UNAVAILABLE` | 503 |',
              '| `INTAKE_INTERNAL` | 500 |',
              '| `INTAKE_HTTP_<status>` | an error of the HTTP layer with a status not in this table |',
              '',
              'The routes above can answer `INTAKE_VALIDATION`, `INTAKE_NOT_FOUND`,',
              '`INTAKE_CONFLICT`, `INTAKE_INVALID_STATE`, `INTAKE_PAYLOAD_TOO_LARGE`,',
              '`INTAKE_UNSUPPORTED_MEDIA_TYPE`, `INTAKE_URI_TOO_LONG`,',
              '`INTAKE_UNAVAILABLE`, `INTAKE_INTERNAL` and `INTAKE_HTTP_<status>`; the',
              'others belong to surfaces not built yet.',
            ),
            anyOf: [
              {
                enum: [
                  'INTAKE_VALIDATION',
                  'INTAKE_UNAUTHORIZED',
                  'INTAKE_FORBIDDEN',
                  'INTAKE_NOT_FOUND',
                  'INTAKE_CONFLICT',
                  'INTAKE_INVALID_STATE',
                  'INTAKE_PAYLOAD_TOO_LARGE',
                  'INTAKE_UNSUPPORTED_MEDIA_TYPE',
                  'INTAKE_URI_TOO_LONG',
                  'INTAKE_RATE_LIMITED',
                  'INTAKE_UNAVAILABLE',
                  'INTAKE_INTERNAL',
                ],
              },
              { type: 'string', pattern: '^INTAKE_HTTP_[1-5][0-9]{2}$' },
            ],
          },
          message: { type: 'string', description: 'For people; wording may change.' },
          field: {
            type: 'string',
            description: 'The request field the error is about, e.g. `vectors[3].dense_values` or `body row 41`.',
          },
        },
        additionalProperties: true,
      },
    },
    example: {
      error: {
        code: 'INTAKE_VALIDATION',
        message: 'top_k: must be an integer in [1, 1000], got 0',
        field: 'top_k',
        rule: 'must be an integer in [1, 1000], got 0',
      },
    },
  },
  HealthCheck: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] } },
    additionalProperties: true,
    description: "A check's status and its facts (e.g. `latency_ms`, `brokers`, `records`, or `message` when down).",
  },
  HealthResult: {
    type: 'object',
    description: '@nestjs/terminus health check result.',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['ok', 'error', 'shutting_down'] },
      info: {
        type: 'object',
        description: 'Checks that are up.',
        additionalProperties: { $ref: '#/components/schemas/HealthCheck' },
      },
      error: {
        type: 'object',
        description: 'Checks that are down.',
        additionalProperties: { $ref: '#/components/schemas/HealthCheck' },
      },
      details: {
        type: 'object',
        description: 'Every check.',
        additionalProperties: { $ref: '#/components/schemas/HealthCheck' },
      },
    },
  },
};

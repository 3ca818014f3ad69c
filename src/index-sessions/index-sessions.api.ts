// The documentation and input schemas of seed 001's index ingest session routes,
// one entry per controller method. The schemas are the ones requests are validated
// with; /openapi.json is built from here.
import { ApiRouteDoc, md } from '../common/api-route';
import { FINALIZE_SCHEMA, INDEX_NAME_QUERY_SCHEMA, INGEST_SCHEMA, INIT_SCHEMA } from './dto/session-requests';

export const IndexSessionsApi = {
  init: {
    operationId: 'initIngest',
    summary: 'Open an ingest session on an index',
    description: md(
      "Opens the index's ingest session (seed 001); `/ingest`, `/ingest/batch` and",
      '`/finalize` need one. The index is a collection (`index_name` is its name).',
      'An index has at most one session at a time, open or being finalized. The',
      "session's id (a UUID) is shown by `GET /ingest/status`.",
      '',
      "`mode` decides what `/finalize` does with the session's rows:",
      '',
      "- `build`: a new index of the session's rows **only** replaces the index",
      '  (everything it held before is gone). Until the new index is swapped in,',
      '  searches answer from the old one.',
      '- `insert`: the rows are added to the index; a row whose id already exists',
      '  (in the index, or earlier in the session) is not applied but filed in',
      '  `ingest_errors` with reason `DUPLICATE_ID`.',
      '- `upsert`: the rows are added, or replace the vector of an existing id (a',
      '  later row for an id replaces an earlier one).',
      '',
      'Streaming upserts and deletes keep working while a session is open.',
    ),
    tags: ['ingest'],
    body: { schema: INIT_SCHEMA, example: { index_name: 'my_index', mode: 'build' } },
    responses: {
      '200': {
        description: 'The session is open.',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/InitResponse' },
            example: {
              success: true,
              message: "Index 'my_index' initialized in 'build' mode",
              index_name: 'my_index',
            },
          },
        },
      },
      '400': { $ref: '#/components/responses/ValidationFailed' },
      '404': { $ref: '#/components/responses/IndexNotFound' },
      '409': {
        description: md(
          '`INTAKE_CONFLICT` with `kind` = `ingest session` and `id` = the index name:',
          'the index already has a session (open or being finalized).',
          '**Intake extension**: the seed answers 400 for a failed initialization.',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: {
              error: {
                code: 'INTAKE_CONFLICT',
                message: "ingest session 'my_index' already exists",
                kind: 'ingest session',
                id: 'my_index',
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
  ingest: {
    operationId: 'ingestVector',
    summary: 'Add one vector to the open session',
    description: md(
      "Validates the vector against the index's dimension, appends it to the",
      "collection's topic as an upsert record tagged with the session id (header",
      '`intake-session`, see docs/topics.md) and returns once the log has durably',
      'accepted it. The row is staged, not searchable: it reaches the index at',
      '`/finalize`, as `mode` says. Acknowledged rows survive a restart before the',
      'finalize.',
      '',
      'Checked in this order: the body against its schema (400: `index_name`,',
      '`external_id`, `vector` an array of numbers), the index (404), the vector',
      "against the index's `dimension` and rules (400), the session (409).",
    ),
    tags: ['ingest'],
    body: {
      schema: INGEST_SCHEMA,
      example: { index_name: 'my_index', external_id: 'item_001', vector: [0.1, 0.2, 0.3, 0.4, 0.5] },
    },
    responses: {
      '200': {
        description: "The row is in the log, staged for the session's finalize.",
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/IngestResponse' }, example: { success: true } },
        },
      },
      '400': { $ref: '#/components/responses/ValidationFailed' },
      '404': { $ref: '#/components/responses/IndexNotFound' },
      '409': { $ref: '#/components/responses/NoOpenSession' },
      '413': { $ref: '#/components/responses/PayloadTooLarge' },
      '415': { $ref: '#/components/responses/UnsupportedMediaType' },
      '500': { $ref: '#/components/responses/InternalError' },
    },
  },
  ingestBatch: {
    operationId: 'ingestBatch',
    summary: 'Add many vectors to the open session (binary rows)',
    description: md(
      'The same as `/ingest` for every row of a binary body, much cheaper per vector.',
      'The body is streamed (never held in memory whole): every row is checked while',
      'it arrives and spooled to disk, and only when the whole body has passed are',
      "the rows appended to the collection's topic, tagged with the session id.",
      'A bad row, a misaligned length or a body over 1 GiB therefore rejects the',
      'request with **nothing** appended. An empty body is accepted (`count` 0).',
      '',
      'Checked in this order: the content type (415), `index_name` (400), the index',
      '(404), the session (409), then the rows (400) and the size (413).',
    ),
    tags: ['ingest'],
    query: INDEX_NAME_QUERY_SCHEMA,
    body: {
      mediaType: 'application/octet-stream',
      description: md(
        '`content-type: application/octet-stream`. A sequence of rows, each of',
        '`32 + dimension × 4` bytes (544 for a 128-d index), with no header or',
        'separator:',
        '',
        '| bytes | content |',
        '|---|---|',
        '| 32 | the external id: 1 to 32 printable ASCII bytes (0x20–0x7E), then NUL (0x00) bytes up to 32 |',
        '| dimension × 4 | the vector: `dimension` float32, little-endian, each finite (no NaN, no ±Infinity) |',
        '',
        'At most 1 GiB (1,073,741,824 bytes). The same id twice in a session is an',
        'overwrite in `build` / `upsert` mode and a `DUPLICATE_ID` in `insert` mode.',
      ),
    },
    responses: {
      '200': {
        description: "Every row is in the log, staged for the session's finalize.",
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/BatchIngestResponse' },
            example: { success: true, count: 1000 },
          },
        },
      },
      '400': {
        description: md(
          '`INTAKE_VALIDATION`; nothing of the body was appended. `index_name` missing',
          'or invalid (`field` = `index_name`), or a row breaks a rule: `field` =',
          '`body row <n>` (rows count from 0) and `rule` says which:',
          '',
          '- `body length <bytes> is not a multiple of the row size <size> (…)`: a',
          '  trailing partial row (`n` = the number of whole rows);',
          '- `the external id is empty`;',
          '- `the external id has a non-printable-ASCII byte 0x<hh> at <i>`;',
          '- `the external id is not null-padded (bytes after the first NUL)`;',
          '- `component <j> is NaN` / `Infinity` / `-Infinity`.',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            examples: {
              nonFinite: {
                summary: 'A NaN component',
                value: {
                  error: {
                    code: 'INTAKE_VALIDATION',
                    message: 'body row 41: component 7 is NaN',
                    field: 'body row 41',
                    rule: 'component 7 is NaN',
                  },
                },
              },
              misaligned: {
                summary: 'A trailing partial row',
                value: {
                  error: {
                    code: 'INTAKE_VALIDATION',
                    message: 'body row 2: body length 1100 is not a multiple of the row size 544 (32-byte id + 128 × float32)',
                    field: 'body row 2',
                    rule: 'body length 1100 is not a multiple of the row size 544 (32-byte id + 128 × float32)',
                  },
                },
              },
            },
          },
        },
      },
      '404': { $ref: '#/components/responses/IndexNotFound' },
      '409': { $ref: '#/components/responses/NoOpenSession' },
      '413': {
        description: md(
          '**Intake extension.** `INTAKE_PAYLOAD_TOO_LARGE`: the body passed 1 GiB while it',
          'streamed; nothing was appended. `limit_bytes` is the limit, `actual_bytes`',
          'the bytes received when it was passed (not necessarily the whole body).',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: {
              error: {
                code: 'INTAKE_PAYLOAD_TOO_LARGE',
                message: 'binary batch body: 1074003968 bytes exceeds the limit of 1073741824 bytes',
                field: 'binary batch body',
                limit_bytes: 1073741824,
                actual_bytes: 1074003968,
              },
            },
          },
        },
      },
      '415': {
        description: md(
          '**Intake extension.** The body is not `application/octet-stream`:',
          '`INTAKE_UNSUPPORTED_MEDIA_TYPE` (with `expected` =',
          '`["application/octet-stream"]`), naming the content type that was sent.',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: {
              error: {
                code: 'INTAKE_UNSUPPORTED_MEDIA_TYPE',
                message: "content-type 'application/json' is not supported; expected application/octet-stream",
                expected: ['application/octet-stream'],
              },
            },
          },
        },
      },
      '500': { $ref: '#/components/responses/InternalError' },
    },
  },
  finalize: {
    operationId: 'finalizeIngest',
    summary: "Build the session's rows into the index",
    description: md(
      'Marks the session `finalizing` and appends one finalize record per shard to',
      "the collection's topic. Each shard, on reaching it, builds its staged rows",
      'into a new index in a worker thread (shards build in parallel, at most one',
      "build per CPU core at a time), as the session's `mode` says (see `/init`),",
      'swaps the result in and checkpoints it at once. Answers 200 once every shard',
      'of this node serves searches from the new index; the session is then closed',
      'and a new `/init` may follow.',
      '',
      'During the build, searches answer from the old index with everything the log',
      'held before the finalize record. Streaming writes made meanwhile are in the',
      'log at once but applied after the swap (a streaming call may answer 503 in',
      'the meantime; the write is not lost).',
      '',
      "`params` (default: the collection's `hnsw`, and `rng_seed` 100) shape the",
      'graph of a `build`; an `insert` or `upsert` adds to the existing graph, which',
      "keeps its own `M`, `ef_construction` and `ef_search`. The collection's",
      'definition (`hnsw` in `GET /vectordb/collections/{collection_id}`) is not',
      'changed. The same rows in the same order with the same `rng_seed` build the',
      'same index.',
    ),
    tags: ['ingest'],
    body: {
      schema: FINALIZE_SCHEMA,
      example: {
        index_name: 'my_index',
        optimize: true,
        params: { M: 48, ef_construction: 1024, ef_search: 512, rng_seed: 0 },
      },
    },
    responses: {
      '200': {
        description: 'The new index serves searches on this node; the session is closed.',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/FinalizeResponse' },
            example: {
              success: true,
              message: "Finalized ingest for index 'my_index' (optimize=true)",
              index_name: 'my_index',
            },
          },
        },
      },
      '400': { $ref: '#/components/responses/ValidationFailed' },
      '404': { $ref: '#/components/responses/IndexNotFound' },
      '409': {
        description: md(
          '**Intake extension.** `INTAKE_INVALID_STATE`: the index has no open session',
          '(`index_name`), or its session is already being finalized (`session_id`',
          'when known). The seed answers 400 for a failed finalization.',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: {
              error: {
                code: 'INTAKE_INVALID_STATE',
                message: "the ingest session of 'my_index' is being finalized",
                index_name: 'my_index',
                session_id: '5b0f6c1e-8a53-4c1f-9a57-1f0c2a7e9d41',
              },
            },
          },
        },
      },
      '413': { $ref: '#/components/responses/PayloadTooLarge' },
      '415': { $ref: '#/components/responses/UnsupportedMediaType' },
      '500': { $ref: '#/components/responses/InternalError' },
      '503': {
        description: md(
          '**Intake extension.** `INTAKE_UNAVAILABLE` with `session_id`: the build has',
          'not finished within 30 minutes. It goes on; `GET /ingest/status` shows its',
          'progress and the index switches to the new one when it is done; the session',
          'is closed then, whoever waits, and `/init` takes a new one. The wait is',
          '`INTAKE_FINALIZE_TIMEOUT_MS` (default 30 minutes).',
        ),
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/Error' },
            example: {
              error: {
                code: 'INTAKE_UNAVAILABLE',
                message: "the build of 'my_index' is still running; GET /ingest/status shows its progress",
                session_id: '5b0f6c1e-8a53-4c1f-9a57-1f0c2a7e9d41',
              },
            },
          },
        },
      },
    },
  },
  status: {
    operationId: 'ingestStatus',
    summary: "The index's ingest session and build progress",
    description: md(
      "**Intake extension** (not in seed 001). The index's session, if any, with the",
      "rows staged so far and, while it is being finalized, the build's progress;",
      'and the live vectors of the index on this node.',
    ),
    tags: ['ingest'],
    query: INDEX_NAME_QUERY_SCHEMA,
    responses: {
      '200': {
        description: "The session (`null` when there is none) and the index's size.",
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/IngestStatus' },
            examples: {
              building: {
                summary: 'A build in progress',
                value: {
                  index_name: 'my_index',
                  session: {
                    session_id: '5b0f6c1e-8a53-4c1f-9a57-1f0c2a7e9d41',
                    mode: 'build',
                    status: 'finalizing',
                    rows_staged: 20000,
                    build: { rows_indexed: 12400, total: 20000 },
                  },
                  vectors: 1000,
                },
              },
              idle: {
                summary: 'No session',
                value: { index_name: 'my_index', session: null, vectors: 20000 },
              },
            },
          },
        },
      },
      '400': { $ref: '#/components/responses/ValidationFailed' },
      '404': { $ref: '#/components/responses/IndexNotFound' },
      '500': { $ref: '#/components/responses/InternalError' },
    },
  },

} satisfies Record<string, ApiRouteDoc>;

// The documentation and input schemas of the tables and sinks routes (FeatureBase
// Cloud's /v2 API; seed 002's ingest endpoint, errors and metrics). The schemas are
// the ones requests are validated with; /openapi.json is built from here.
import { ApiPathParam, ApiResponse, ApiRouteDoc, md } from '../common/api-route';
import { NAME_SCHEMA } from '../common/identifiers';
import { COLUMN_DEF_SCHEMA } from './column-types';
import {
  ADD_COLUMN_SCHEMA,
  CREATE_SINK_SCHEMA,
  CREATE_TABLE_SCHEMA,
  ERRORS_QUERY_SCHEMA,
  INGEST_QUERY_SCHEMA,
  INGEST_SCHEMA,
  METRICS_QUERY_SCHEMA,
  RECORDS_PER_REQUEST_MAX,
  REPLAY_SCHEMA,
  ROWS_QUERY_SCHEMA,
  SINK_REQUEST_BYTES_MAX,
} from './dto/sink-requests';

const TABLE_NAME: ApiPathParam = { name: 'table_name', field: 'table', description: "The table's name.", schema: NAME_SCHEMA };
const SINK_ID: ApiPathParam = { name: 'sink_id', field: 'sink', description: "The sink's id, which is its name.", schema: NAME_SCHEMA };
const ROW_ID: ApiPathParam = { name: 'row_id', field: 'id', description: 'The row id (URL-encoded).', schema: { type: 'string', minLength: 1, maxLength: 1024 } };

const json = (schema: Record<string, unknown>, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });
const errorOf = (description: string): ApiResponse => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const notFound = (kind: string) => errorOf(`\`INTAKE_NOT_FOUND\` with \`kind\` = \`${kind}\` and \`id\`.`);
const common = {
  '400': { $ref: '#/components/responses/ValidationFailed' },
  '500': { $ref: '#/components/responses/InternalError' },
} satisfies Record<string, ApiResponse>;

const TABLE = {
  type: 'object',
  required: ['name', 'columns', 'created_at'],
  properties: {
    name: { type: 'string' },
    description: { type: ['string', 'null'] },
    columns: { type: 'array', items: COLUMN_DEF_SCHEMA },
    created_at: { type: 'string', format: 'date-time' },
  },
};
const SINK = {
  type: 'object',
  required: ['id', 'name', 'table', 'id_field', 'state', 'topic', 'partitions'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    table: { type: 'string' },
    fields: { type: ['array', 'null'], items: { type: 'object', properties: { column: { type: 'string' }, path: { type: 'array', items: { type: 'string' } } } } },
    id_field: { type: ['string', 'array'], items: { type: 'string' } },
    allow_missing_fields: { type: 'boolean' },
    partitions: { type: 'integer' },
    rate_limit: { type: ['object', 'null'], description: "The sink's own ingest limits (requests_per_second, bytes_per_second), per node." },
    topic: { type: 'string', description: 'The Kafka topic the sink appends to (see docs/sinks.md to produce to it directly).' },
    state: { type: 'string', enum: ['ACTIVE'] },
    created_at: { type: 'string', format: 'date-time' },
  },
};
const INGEST_RESULT = {
  type: 'object',
  required: ['success_count', 'error_count', 'records'],
  properties: {
    success_count: { type: 'integer' },
    error_count: { type: 'integer' },
    records: {
      type: 'array',
      description: 'One status per record, in request order.',
      items: {
        type: 'object',
        required: ['status'],
        properties: {
          status: { type: 'string', enum: ['success', 'error'] },
          error_code: { type: 'string', enum: ['InvalidBody'] },
          error_message: { type: 'string', description: '`value.<path>: <rule>`: the field and the rule it breaks.' },
        },
      },
    },
  },
};
const INGEST_ERROR = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    sink_id: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'string' },
    code: { type: 'string', description: 'An ingest_errors reason: INVALID_RECORD, MALFORMED_JSON, TARGET_MISSING, …' },
    message: { type: 'string' },
    key: { type: ['string', 'null'] },
    part: { type: ['string', 'null'], description: 'For a record of a batch message: `records[i]`, its place in the message (`offset`); `key` and `payload` are its own. Null for a whole message.' },
    payload: { type: ['string', 'null'], description: 'The record value as it was in the log.' },
    payload_encoding: { type: ['string', 'null'], enum: ['utf8', 'base64', null] },
    headers: { type: ['object', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    replayed_at: { type: ['string', 'null'], format: 'date-time' },
    resolved_at: { type: ['string', 'null'], format: 'date-time', description: 'Set when a replayed copy became a row.' },
  },
};

export const TablesApi = {
  create: {
    operationId: 'createTable',
    summary: 'Create a table',
    description: md(
      'Creates a Postgres table in the schema `intake_tables` with one column per definition.',
      'Exactly one column has type `id` (the primary key: `id_type` `string` or `int`). Names follow',
      'the name rule and are always quoted as identifiers in SQL.',
    ),
    tags: ['tables'],
    body: {
      schema: CREATE_TABLE_SCHEMA,
      example: {
        name: 'projects',
        columns: [
          { name: 'project_id', type: 'id', id_type: 'int' },
          { name: 'language', type: 'string', max_length: 32 },
          { name: 'stars', type: 'int', min: 0 },
          { name: 'owner_name', type: 'string' },
        ],
      },
    },
    responses: { '201': { description: 'Created.', content: json(TABLE) }, ...common, '409': errorOf('`INTAKE_CONFLICT`: a table of this name exists.') },
  },
  list: {
    operationId: 'listTables',
    summary: 'List tables',
    tags: ['tables'],
    responses: { '200': { description: 'The tables, by name.', content: json({ type: 'object', properties: { tables: { type: 'array', items: TABLE } } }) }, '500': common['500'] },
  },
  get: {
    operationId: 'getTable',
    summary: 'Get a table',
    tags: ['tables'],
    params: { name: TABLE_NAME },
    responses: { '200': { description: 'The table.', content: json(TABLE) }, '404': notFound('table'), ...common },
  },
  delete: {
    operationId: 'deleteTable',
    summary: 'Delete a table (and its rows)',
    tags: ['tables'],
    params: { name: TABLE_NAME },
    responses: { '204': { description: 'Deleted.' }, '404': notFound('table'), '409': errorOf('`INTAKE_INVALID_STATE`: sinks write this table (`sinks`); delete them first.'), ...common },
  },
  addColumn: {
    operationId: 'addTableColumn',
    summary: 'Add a column',
    description: md('Adds a nullable column (`ALTER TABLE … ADD COLUMN`). Sinks that map columns by name read it from the next record on.'),
    tags: ['tables'],
    params: { name: TABLE_NAME },
    body: { schema: ADD_COLUMN_SCHEMA, example: { name: 'color', type: 'string' } },
    responses: { '201': { description: 'The table with its new column.', content: json(TABLE) }, '404': notFound('table'), '409': errorOf('`INTAKE_CONFLICT`: the column exists.'), ...common },
  },
  rows: {
    operationId: 'listTableRows',
    summary: 'Read rows',
    description: 'Rows in id order, keyset-paged: pass the answer\'s `next` as `after` for the next page.',
    tags: ['tables'],
    params: { name: TABLE_NAME },
    query: ROWS_QUERY_SCHEMA,
    responses: {
      '200': { description: 'A page of rows.', content: json({ type: 'object', properties: { rows: { type: 'array', items: { type: 'object' } }, next: { type: ['string', 'null'] } } }) },
      '404': notFound('table'),
      ...common,
    },
  },
  row: {
    operationId: 'getTableRow',
    summary: 'Read one row',
    tags: ['tables'],
    params: { name: TABLE_NAME, id: ROW_ID },
    responses: { '200': { description: 'The row.', content: json({ type: 'object' }) }, '404': notFound('table` or `row'), ...common },
  },
} satisfies Record<string, ApiRouteDoc>;

export const SinksApi = {
  create: {
    operationId: 'createSink',
    summary: 'Create a sink (an ingest endpoint)',
    description: md(
      "Creates the sink (its id is its name), its topic `intake.sink.<name>` and starts its materializer.",
      'Each of `fields` maps a column to a `path` of keys in a record value; `id_field` locates the row id.',
    ),
    tags: ['sinks'],
    body: {
      schema: CREATE_SINK_SCHEMA,
      example: { name: 'projects-in', table: 'projects', id_field: 'project_id', fields: [{ column: 'language', path: ['language'] }, { column: 'owner_name', path: ['owner', 'name'] }] },
    },
    responses: { '201': { description: 'Created, ACTIVE.', content: json(SINK) }, '404': notFound('table'), '409': errorOf('`INTAKE_CONFLICT`: a sink of this name exists.'), ...common },
  },
  list: {
    operationId: 'listSinks',
    summary: 'List sinks',
    tags: ['sinks'],
    responses: { '200': { description: 'The sinks, by id.', content: json({ type: 'object', properties: { sinks: { type: 'array', items: SINK } } }) }, '500': common['500'] },
  },
  get: {
    operationId: 'getSink',
    summary: 'Get a sink',
    tags: ['sinks'],
    params: { id: SINK_ID },
    responses: { '200': { description: 'The sink.', content: json(SINK) }, '404': notFound('sink'), ...common },
  },
  delete: {
    operationId: 'deleteSink',
    summary: 'Delete a sink',
    description: 'Stops its materializer and deletes its topic (with every record in it). The table and its rows stay.',
    tags: ['sinks'],
    params: { id: SINK_ID },
    responses: { '204': { description: 'Deleted.' }, '404': notFound('sink'), ...common },
  },
  ingest: {
    operationId: 'sinkIngest',
    summary: 'Send records to a sink (seed 002)',
    description: md(
      "Validates each record against the table through the sink's paths (type, range, length, required, id present);",
      "appends the valid ones to the sink's topic and answers once they are durable in the log. HTTP 200 even when",
      'some records failed: `records` holds one status per record, in request order.',
      '',
      `At most ${RECORDS_PER_REQUEST_MAX} records (400 beyond) and ${SINK_REQUEST_BYTES_MAX / 1024 / 1024} MiB per request (413 beyond) by default`,
      '(`INTAKE_SINK_RECORDS_PER_REQUEST_MAX`, `INTAKE_SINK_REQUEST_BYTES_MAX`).',
      'An `Idempotency-Key` header (1–255 printable characters) makes a retry within 24 h answer the first',
      'answer without appending again; the same key with another body is a 409.',
    ),
    tags: ['sinks'],
    params: { id: SINK_ID },
    query: INGEST_QUERY_SCHEMA,
    body: {
      schema: INGEST_SCHEMA,
      example: { records: [{ value: { language: 'python', project_id: 2 } }, { value: { language: 'golang', project_id: 3 } }] },
    },
    responses: {
      '200': {
        description: 'Per-record statuses.',
        content: json(INGEST_RESULT, {
          success_count: 1,
          error_count: 1,
          records: [{ status: 'success' }, { status: 'error', error_code: 'InvalidBody', error_message: 'value.project_id: must be an integer in [0, 9007199254740991], got the string "x"' }],
        }),
      },
      '404': notFound('sink'),
      '409': errorOf('`INTAKE_CONFLICT`: the `Idempotency-Key` was used with another request body, or its first request is still being answered.'),
      '413': errorOf(`\`INTAKE_PAYLOAD_TOO_LARGE\`: the body exceeds \`INTAKE_SINK_REQUEST_BYTES_MAX\` (default ${SINK_REQUEST_BYTES_MAX}) bytes; nothing was appended.`),
      '415': { $ref: '#/components/responses/UnsupportedMediaType' },
      '503': errorOf('`INTAKE_UNAVAILABLE` (`?wait=applied` only): the records are in the log (`offsets`) but not yet rows after `INTAKE_APPLY_TIMEOUT_MS`.'),
      ...common,
    },
  },
  errors: {
    operationId: 'listSinkErrors',
    summary: "List a sink's asynchronous errors",
    description: md(
      'Records that reached the log but did not become rows (e.g. written to the topic directly and invalid, or refused by',
      'Postgres), newest first, with their payloads. Keyset-paged: pass `next` as `after`.',
    ),
    tags: ['sinks'],
    params: { id: SINK_ID },
    query: ERRORS_QUERY_SCHEMA,
    responses: {
      '200': { description: 'A page of errors.', content: json({ type: 'object', properties: { errors: { type: 'array', items: INGEST_ERROR }, next: { type: ['string', 'null'] } } }) },
      '404': notFound('sink'),
      ...common,
    },
  },
  replay: {
    operationId: 'replaySinkErrors',
    summary: 'Replay stored errors',
    description: md(
      'Re-appends the stored payloads of the chosen unresolved errors (`ids`, or every one filed `since`) to the sink\'s',
      'topic, waits for them to be applied, and answers which now succeeded (`resolved`: marked in /errors) and which',
      'failed again (`unresolved`: each failure is also filed as a new error).',
    ),
    tags: ['sinks'],
    params: { id: SINK_ID },
    body: { schema: REPLAY_SCHEMA, example: { ids: ['42'] } },
    responses: {
      '200': {
        description: 'What was replayed.',
        content: json({ type: 'object', properties: { replayed: { type: 'integer' }, applied: { type: 'boolean' }, resolved: { type: 'array', items: { type: 'string' } }, unresolved: { type: 'array', items: { type: 'string' } } } }),
      },
      '404': notFound('sink'),
      ...common,
    },
  },
  metrics: {
    operationId: 'getSinkMetrics',
    summary: "A sink's per-minute metrics",
    description: md(
      'One bucket per minute **with traffic** in [`from`, `to`): `ingest_rate` (records sent for ingest),',
      '`request_rate` (POST requests) and `error_rate` (records that failed validation). Idle minutes have no bucket.',
      'Buckets are written in batches about every second.',
    ),
    tags: ['sinks'],
    params: { id: SINK_ID },
    query: METRICS_QUERY_SCHEMA,
    responses: {
      '200': {
        description: 'The buckets, oldest first.',
        content: json(
          {
            type: 'object',
            properties: {
              sink_id: { type: 'string' },
              from: { type: 'string' },
              to: { type: 'string' },
              metrics: {
                type: 'array',
                items: { type: 'object', properties: { timestamp: { type: 'string', format: 'date-time' }, ingest_rate: { type: 'integer' }, request_rate: { type: 'integer' }, error_rate: { type: 'integer' } } },
              },
            },
          },
          { sink_id: 'projects-in', from: '2026-12-01T16:00:00.000Z', to: '2026-12-01T17:00:00.000Z', metrics: [{ timestamp: '2026-12-01T16:42:00.000Z', ingest_rate: 1990, request_rate: 2, error_rate: 10 }] },
        ),
      },
      '404': notFound('sink'),
      ...common,
    },
  },
} satisfies Record<string, ApiRouteDoc>;

// The documentation and input schemas of the streams routes (seed 003's ingest
// endpoint, and the management API a Vector / Cribl user expects). The schemas are
// the ones requests are validated with; /openapi.json is built from here.
import { ApiPathParam, ApiResponse, ApiRouteDoc, md } from '../common/api-route';
import {
  CREATE_STREAM_SCHEMA,
  INGEST_QUERY_SCHEMA,
  STREAM_ERRORS_QUERY_SCHEMA,
  STREAM_ID_SCHEMA,
  STREAM_METRICS_QUERY_SCHEMA,
  TEST_STREAM_SCHEMA,
  UPDATE_STREAM_SCHEMA,
} from './dto/stream-requests';

const STREAM_ID: ApiPathParam = { name: 'stream_id', field: 'stream_id', description: 'The stream id (a UUID).', schema: STREAM_ID_SCHEMA };
const json = (schema: Record<string, unknown>, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });
const errorOf = (description: string): ApiResponse => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const common = { '400': { $ref: '#/components/responses/ValidationFailed' }, '500': { $ref: '#/components/responses/InternalError' } } satisfies Record<string, ApiResponse>;
const notFound = errorOf('`INTAKE_NOT_FOUND` with `kind` = `stream`.');
const INVALID_FORMAT = {
  type: 'object',
  required: ['error', 'detail'],
  properties: { error: { type: 'string', enum: ['invalid_format'] }, detail: { type: 'string' } },
};

const STREAM_EVENT = {
  type: 'object',
  required: ['source', 'event'],
  properties: {
    timestamp: { type: 'string', description: 'ISO 8601 date-time.' },
    source: { type: 'string', minLength: 1, maxLength: 256 },
    event: { type: 'object', description: 'Main event data (key-value pairs).' },
    metadata: { type: 'object' },
  },
};

const STREAM = {
  type: 'object',
  required: ['id', 'name', 'version', 'pipeline', 'routes', 'destinations', 'partitions', 'topic', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    version: { type: 'integer', description: 'The pipeline version: 1 at creation, +1 on every PUT.' },
    pipeline: { type: 'array', items: { type: 'object' } },
    routes: { type: 'array', items: { type: 'object' } },
    destinations: { type: 'array', items: { type: 'object' } },
    rate_limit: { type: ['object', 'null'] },
    partitions: { type: 'integer' },
    topic: { type: 'string', description: 'The Kafka topic events are appended to (`intake.stream.<id>`).' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

const EXAMPLE = {
  name: 'payments',
  pipeline: [
    { type: 'mask', pattern: 'card_number', with: 'mask', mask: '[card]' },
    { type: 'filter', drop_when: { 'event.level': 'debug' } },
    { type: 'sample', rate: 10, when: { 'event.level': 'info' }, key_field: 'event.trace_id' },
  ],
  routes: [
    { when: { 'event.level': 'error' }, to: ['errors'] },
    { to: ['archive'] },
  ],
  destinations: [
    { name: 'errors', type: 'table', table: 'payment_errors', id_field: 'event.transactionId', fields: [{ column: 'status', path: 'event.status' }] },
    { name: 'archive', type: 'file', max_bytes: 67108864, max_age_seconds: 300 },
  ],
};

export const StreamsApi = {
  ingest: {
    operationId: 'ingestStreamEvents',
    summary: 'Send events to a stream (seed 003)',
    description: md(
      'Seed 003\'s Streaming Ingest API. The body is one event `{timestamp, source, event, metadata?}` (`application/json`),',
      'or a micro-batch: a JSON array of events, or NDJSON (`application/x-ndjson`, one event per line). At most 1 MB',
      '(1,048,576 bytes) on the whole body. `timestamp` is ISO 8601 (optional: the time the event is processed is used).',
      'A batch is all or nothing, unless `?partial=true`: then the valid events are accepted and the others listed.',
      '`accepted` means durably in the stream\'s log; the pipeline runs asynchronously (see `GET /v1/streams/{id}/errors`).',
      'Bad input is a 400 `{"error": "invalid_format", "detail": …}` in the seed\'s shape; the detail names the field',
      '(and the event\'s index in a batch).',
    ),
    tags: ['streams'],
    headers: {
      'X-Stream-Id': { description: 'The target stream\'s id (400 when missing, 404 when unknown).', required: true, schema: { type: 'string' } },
    },
    query: INGEST_QUERY_SCHEMA,
    body: {
      mediaType: 'application/json',
      alsoMediaTypes: ['application/x-ndjson'],
      // Documentation only: the handler reads the body as text and checks it (stream-events.ts) to answer in the seed's shape.
      schema: { oneOf: [STREAM_EVENT, { type: 'array', minItems: 1, items: STREAM_EVENT }] },
      example: {
        timestamp: '2025-02-12T14:32:15Z',
        source: 'payments-app',
        event: { transactionId: 'txn_30921', status: 'approved', latency_ms: 182, amount: 499, currency: 'USD' },
        metadata: { env: 'prod', team: 'payments' },
      },
    },
    responses: {
      '200': {
        description: 'Accepted: the events are in the log.',
        content: json(
          {
            type: 'object',
            required: ['status', 'ingested_bytes', 'stream_id'],
            properties: {
              status: { type: 'string', enum: ['accepted'] },
              ingested_bytes: { type: 'integer' },
              stream_id: { type: 'string' },
              accepted: { type: 'integer', description: 'Batches: events accepted.' },
              rejected: { type: 'array', description: 'Batches with `?partial=true`: the events refused.', items: { type: 'object', properties: { index: { type: 'integer' }, detail: { type: 'string' } } } },
            },
          },
          { status: 'accepted', ingested_bytes: 527, stream_id: 'a0c3b4de-1923-4ff1-8dba-f92ad912d20f' },
        ),
      },
      '400': { description: 'Invalid JSON, a bad timestamp, a missing `source` or `event`, a payload over 1 MB, or no X-Stream-Id.', content: json(INVALID_FORMAT, { error: 'invalid_format', detail: "The 'timestamp' field must be a valid ISO 8601 string." }) },
      '404': { description: 'The X-Stream-Id names no stream.', content: json(INVALID_FORMAT) },
      '415': errorOf('`INTAKE_UNSUPPORTED_MEDIA_TYPE`: not application/json or application/x-ndjson.'),
      '500': common['500'],
    },
  },
  create: {
    operationId: 'createStream',
    summary: 'Create a stream',
    description: md('A stream: processors applied in order, ordered routes, named destinations. See docs/streams.md.'),
    tags: ['streams'],
    body: { schema: CREATE_STREAM_SCHEMA, example: EXAMPLE },
    responses: { '201': { description: 'Created.', content: json(STREAM) }, ...common, '409': errorOf('`INTAKE_CONFLICT`: a stream of this name exists.') },
  },
  list: {
    operationId: 'listStreams',
    summary: 'List streams',
    tags: ['streams'],
    responses: { '200': { description: 'The streams.', content: json({ type: 'object', properties: { streams: { type: 'array', items: STREAM } } }) }, '500': common['500'] },
  },
  get: {
    operationId: 'getStream',
    summary: 'Get a stream',
    tags: ['streams'],
    params: { id: STREAM_ID },
    responses: { '200': { description: 'The stream.', content: json(STREAM) }, '404': notFound, ...common },
  },
  update: {
    operationId: 'updateStream',
    summary: 'Replace a stream\'s pipeline, routes and destinations (a new version)',
    description: md(
      'Events already in the log are processed by the version current when they are processed; each delivery records',
      'the version that produced it. A destination added later starts from the beginning of the stream\'s log.',
    ),
    tags: ['streams'],
    params: { id: STREAM_ID },
    body: { schema: UPDATE_STREAM_SCHEMA },
    responses: { '200': { description: 'The stream, with its new version.', content: json(STREAM) }, '404': notFound, ...common },
  },
  delete: {
    operationId: 'deleteStream',
    summary: 'Delete a stream',
    tags: ['streams'],
    params: { id: STREAM_ID },
    responses: { '204': { description: 'Deleted.' }, '404': notFound, ...common },
  },
  test: {
    operationId: 'testStream',
    summary: 'Run the pipeline on events without appending them',
    description: md('What each destination would receive (for a table: the row id or the rule it breaks), which events would be dropped and which would fail.'),
    tags: ['streams'],
    params: { id: STREAM_ID },
    body: { schema: TEST_STREAM_SCHEMA, example: { events: [{ source: 'payments-app', event: { level: 'error', card: '4111 1111 1111 1111' } }] } },
    responses: { '200': { description: 'Per destination, the events it would get.', content: json({ type: 'object' }) }, '404': notFound, ...common },
  },
  metrics: {
    operationId: 'getStreamMetrics',
    summary: 'Per-minute stream metrics',
    description: md('Minutes with traffic: events in, dropped by filter, dropped by sample, failed, delivered per destination.'),
    tags: ['streams'],
    params: { id: STREAM_ID },
    query: STREAM_METRICS_QUERY_SCHEMA,
    responses: { '200': { description: 'The minutes, oldest first.', content: json({ type: 'object' }) }, '404': notFound, ...common },
  },
  errors: {
    operationId: 'listStreamErrors',
    summary: 'Events that could not be processed or delivered',
    description: md('Newest first, keyset-paged (`before` = the answer\'s `next`). Each names its destination (null: the pipeline), the reason and the event as received.'),
    tags: ['streams'],
    params: { id: STREAM_ID },
    query: STREAM_ERRORS_QUERY_SCHEMA,
    responses: { '200': { description: 'A page of errors.', content: json({ type: 'object' }) }, '404': notFound, ...common },
  },
} satisfies Record<string, ApiRouteDoc>;

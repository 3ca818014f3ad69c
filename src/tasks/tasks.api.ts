// The documentation and input schemas of the upsertion-task routes (seed 004). The
// schemas are the ones requests are validated with; /openapi.json is built from here.
import { ApiResponse, ApiRouteDoc, md } from '../common/api-route';
import { LIST_TASKS_QUERY_SCHEMA, RUN_TASK_SCHEMA, TASK_ID_QUERY_SCHEMA, TASK_REQUEST_BYTES_MAX_DEFAULT } from './dto/task-requests';
import { TASK_STATUSES } from './task-states';

const json = (schema: Record<string, unknown>, example?: unknown) => ({ 'application/json': { schema, ...(example === undefined ? {} : { example }) } });
const errorOf = (description: string): ApiResponse => ({ description, content: json({ $ref: '#/components/schemas/Error' }) });
const notFound = errorOf("`INTAKE_NOT_FOUND` with `kind` = `task` and `id`: no task of this `task_id`.");
const common = {
  '400': { $ref: '#/components/responses/ValidationFailed' },
  '500': { $ref: '#/components/responses/InternalError' },
} satisfies Record<string, ApiResponse>;

export const TASK_SCHEMA = {
  type: 'object',
  required: ['id', 'status', 'created_at', 'updated_at', 'failed_items'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: [...TASK_STATUSES] },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time', description: 'Moves with every status change.' },
    failed_items: {
      type: 'array',
      description: 'Items that were not upserted, in item order, each with why (no text, embedder error after retries, payload too large, collection missing).',
      items: { type: 'object', required: ['object_id', 'reason'], properties: { object_id: { type: 'string' }, reason: { type: 'string' } } },
    },
    collection: { type: 'string', description: '**Intake extension.** The collection the task fills.' },
    progress: {
      type: 'object',
      description: '**Intake extension.** `items_done` of `items_total` are processed (upserted or failed), in item order.',
      properties: {
        items_total: { type: 'integer' },
        items_done: { type: 'integer' },
        items_upserted: { type: 'integer' },
        items_failed: { type: 'integer' },
      },
    },
  },
};

const EXAMPLE = {
  id: 'task-123',
  status: 'pending',
  created_at: '2024-05-20T12:00:00.000Z',
  updated_at: '2024-05-20T12:00:00.000Z',
  failed_items: [],
  collection: 'default',
  progress: { items_total: 1, items_done: 0, items_upserted: 0, items_failed: 0 },
};

const runDoc = (operationId: string, summary: string, which: string): ApiRouteDoc => ({
  operationId,
  summary,
  description: md(
    `Creates a task that embeds each item's text and upserts it into the ${which} collection (with its \`payload\` as the vector's metadata),`,
    'then answers the task as `pending`: the work runs in the background (the task worker, shared by the nodes) and `info` follows it.',
    '',
    'The same `task_id` again with the same items answers the existing task (200) and starts nothing; with other items it is a 409.',
    `At most ${TASK_REQUEST_BYTES_MAX_DEFAULT / 1024 / 1024} MiB per request by default (\`INTAKE_TASK_REQUEST_BYTES_MAX\`, 413 beyond).`,
  ),
  tags: ['tasks'],
  body: { schema: RUN_TASK_SCHEMA, example: { task_id: 'task-123', items: [{ object_id: 'obj-1', payload: { text: 'deep learning paper' } }] } },
  responses: {
    '201': { description: 'Created, `pending`.', content: json(TASK_SCHEMA, EXAMPLE) },
    '200': { description: 'A task of this `task_id` with the same items exists: it, as it is now.', content: json(TASK_SCHEMA) },
    '409': errorOf('`INTAKE_CONFLICT`: a task of this `task_id` exists with other items (or for the other collection).'),
    '413': errorOf('`INTAKE_PAYLOAD_TOO_LARGE`: the body exceeds `INTAKE_TASK_REQUEST_BYTES_MAX`.'),
    '415': { $ref: '#/components/responses/UnsupportedMediaType' },
    ...common,
  },
});

export const TasksApi = {
  run: runDoc('createUpsertionTask', 'Create an upsertion task (default collection)', 'default'),
  runCategories: runDoc('createCategoriesUpsertionTask', 'Create an upsertion task (categories collection)', 'categories'),
  info: {
    operationId: 'getUpsertionTask',
    summary: 'Get an upsertion task',
    description: 'The task: its status, `failed_items`, and its progress.',
    tags: ['tasks'],
    query: TASK_ID_QUERY_SCHEMA,
    responses: { '200': { description: 'The task.', content: json(TASK_SCHEMA, { ...EXAMPLE, status: 'processing', progress: { ...EXAMPLE.progress, items_done: 0 } }) }, '404': notFound, ...common },
  },
  list: {
    operationId: 'listUpsertionTasks',
    summary: 'List upsertion tasks',
    description: 'Newest first (`created_at` descending), `offset` tasks skipped, at most `limit`, optionally of one `status`.',
    tags: ['tasks'],
    query: LIST_TASKS_QUERY_SCHEMA,
    responses: { '200': { description: 'A page of tasks.', content: json({ type: 'array', items: TASK_SCHEMA }) }, ...common },
  },
  restart: {
    operationId: 'restartUpsertionTask',
    summary: 'Restart an upsertion task',
    description: md(
      'Sets a `failed` or `canceled` task back to `pending` (its progress and `failed_items` cleared) and queues it again;',
      'every item is processed again (upserts replace by `object_id`, so an item already upserted stays one vector).',
    ),
    tags: ['tasks'],
    query: TASK_ID_QUERY_SCHEMA,
    responses: {
      '200': { description: 'The task, `pending`.', content: json(TASK_SCHEMA) },
      '404': notFound,
      '409': errorOf('`INTAKE_INVALID_STATE`: the task is `pending`, `processing` or `done` (`status` says which).'),
      ...common,
    },
  },
  cancel: {
    operationId: 'cancelUpsertionTask',
    summary: 'Cancel an upsertion task',
    description: md(
      'Marks a `pending` or `processing` task `canceled`. A processing task stops before its next batch;',
      'items already upserted stay in the collection.',
    ),
    tags: ['tasks'],
    query: TASK_ID_QUERY_SCHEMA,
    responses: {
      '200': { description: 'The task, `canceled`.', content: json(TASK_SCHEMA) },
      '404': notFound,
      '409': errorOf('`INTAKE_INVALID_STATE`: the task is `done`, `failed` or `canceled` already (`status` says which).'),
      ...common,
    },
  },
} satisfies Record<string, ApiRouteDoc>;

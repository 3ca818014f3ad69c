// The request schemas of the upsertion-task routes (seed 004) and their typed inputs.
// Query values arrive as strings, so numbers in a query are patterns here and parsed
// by the service. The per-task item limit and the body limit are configurable
// (AppConfig.tasks), so they are checked by the service and the HTTP edge, and the
// defaults below only document them.

import { md } from '../../common/api-route';
import { RECORD_ID_SCHEMA } from '../../common/identifiers';
import type { JsonSchema } from '../../common/request-schema';
import { TASK_STATUSES, TaskStatus } from '../task-states';
import type { TaskItem } from '../upsertion-task.entity';

export const ITEMS_PER_TASK_MAX_DEFAULT = 10_000;
export const TASK_REQUEST_BYTES_MAX_DEFAULT = 32 * 1024 * 1024;
export const LIST_LIMIT_MAX = 1_000;
export const LIST_LIMIT_DEFAULT = 100;
/** Far beyond any real table of tasks; keeps the parsed number exact. */
export const LIST_OFFSET_MAX = 1_000_000_000;

export interface RunTaskInput {
  task_id?: string;
  items: TaskItem[];
}

const TASK_ID_SCHEMA = { ...RECORD_ID_SCHEMA, description: `The task's id: ${RECORD_ID_SCHEMA.description.replace(' it is the Kafka record key.', ' it keys the task command in `intake.tasks`.')}` };

export const RUN_TASK_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['items'],
  additionalProperties: false,
  properties: {
    task_id: { ...TASK_ID_SCHEMA, description: `Optional. The same \`task_id\` again with the same items answers the existing task and starts nothing; with other items it is a 409. Without it the server makes one (a UUID). ${TASK_ID_SCHEMA.description}` },
    items: {
      type: 'array',
      minItems: 1,
      description: md(
        `1 to ${ITEMS_PER_TASK_MAX_DEFAULT.toLocaleString('en')} items by default (\`INTAKE_TASK_ITEMS_MAX\`; more is a 400 naming \`items\`);`,
        '`object_id` unique within the task (a repeat is a 400 naming it).',
      ),
      items: {
        type: 'object',
        required: ['object_id'],
        additionalProperties: false,
        properties: {
          object_id: { ...RECORD_ID_SCHEMA, description: `The vector id in the collection; an upsert of an existing id replaces it. ${RECORD_ID_SCHEMA.description}` },
          payload: {
            type: ['object', 'null'],
            description: md(
              'Embedded from its `text` field (or `INTAKE_TASK_TEXT_TEMPLATE`, e.g. `{title}: {body}`) and stored with the vector as its metadata',
              '(serialised, at most 64 KiB). An item without text, or whose payload is too large, is listed in `failed_items`; the others go on.',
            ),
          },
          item_info: { type: ['object', 'null'], description: 'Internal metadata (file refs, source): kept with the task, not sent to the collection.' },
        },
      },
    },
  },
};

export interface TaskIdQuery {
  task_id: string;
}

export const TASK_ID_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['task_id'],
  additionalProperties: false,
  properties: { task_id: TASK_ID_SCHEMA },
};

export interface ListTasksQuery {
  offset?: string;
  limit?: string;
  status?: TaskStatus;
}

export const LIST_TASKS_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    offset: {
      type: 'string',
      pattern: `^(0|[1-9][0-9]{0,${String(LIST_OFFSET_MAX).length - 2}})$`,
      'x-rule': `must be an integer in [0, ${LIST_OFFSET_MAX - 1}]`,
      description: 'Tasks to skip (default 0), newest first.',
    },
    limit: {
      type: 'string',
      pattern: `^[1-9][0-9]{0,${String(LIST_LIMIT_MAX).length - 1}}$`,
      'x-rule': `must be an integer in [1, ${LIST_LIMIT_MAX}]`,
      description: `Tasks to return, 1–${LIST_LIMIT_MAX} (default ${LIST_LIMIT_DEFAULT}).`,
    },
    status: { type: 'string', enum: [...TASK_STATUSES], description: 'Only tasks in this status.' },
  },
};

/** A parsed `limit`: the pattern allows up to 9999, the rule stops at LIST_LIMIT_MAX. */
export function listWindow(query: ListTasksQuery, violation: (field: string, rule: string) => Error): { offset: number; limit: number } {
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  const limit = query.limit === undefined ? LIST_LIMIT_DEFAULT : Number(query.limit);
  if (limit > LIST_LIMIT_MAX) throw violation('limit', `must be an integer in [1, ${LIST_LIMIT_MAX}]`);
  return { offset, limit };
}

// The request schemas of the tables and sinks routes (FeatureBase Cloud's /v2 API)
// and their typed inputs. Query values arrive as strings, so numbers in a query are
// patterns here and parsed by the service.

import type { JsonSchema } from '../../common/request-schema';
import { NAME_SCHEMA } from '../../common/identifiers';
import { RESOURCE_RATE_LIMIT_SCHEMA, ResourceRateLimit } from '../../auth/resource-rate-limiter';
import { COLUMN_DEF_SCHEMA, COLUMNS_PER_TABLE_MAX, ColumnDef } from '../column-types';

/**
 * Defaults of the per-request limits of POST /v2/sinks/{id} (FeatureBase Cloud's):
 * records (400 beyond) and body bytes (413 beyond). Configurable with
 * INTAKE_SINK_RECORDS_PER_REQUEST_MAX / INTAKE_SINK_REQUEST_BYTES_MAX (AppConfig.sinkLimits);
 * the service and the HTTP edge check the configured values.
 */
export const RECORDS_PER_REQUEST_MAX = 10_000;
export const SINK_REQUEST_BYTES_MAX = 10 * 1024 * 1024;
export const SINK_PARTITIONS_MAX = 64;
export const SINK_PARTITIONS_DEFAULT = 4;
export const PATH_DEPTH_MAX = 16;
export const ROWS_LIMIT_MAX = 1_000;
export const ERRORS_LIMIT_MAX = 1_000;
export const REPLAY_IDS_MAX = 10_000;

export interface CreateTableInput {
  name: string;
  description?: string;
  columns: ColumnDef[];
}

export const CREATE_TABLE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'columns'],
  additionalProperties: false,
  properties: {
    name: NAME_SCHEMA,
    description: { type: 'string', maxLength: 1024 },
    columns: {
      type: 'array',
      minItems: 1,
      maxItems: COLUMNS_PER_TABLE_MAX,
      items: COLUMN_DEF_SCHEMA,
      description: 'Exactly one column of type `id` (the primary key).',
    },
  },
};

export const ADD_COLUMN_SCHEMA: JsonSchema = COLUMN_DEF_SCHEMA;

const PATH_KEY = { type: 'string', minLength: 1, maxLength: 256 } as const;
const PATH_SCHEMA = { type: 'array', minItems: 1, maxItems: PATH_DEPTH_MAX, items: PATH_KEY } as const;

export interface CreateSinkInput {
  name: string;
  table: string;
  fields?: { column: string; path: string[] }[];
  id_field: string | string[];
  allow_missing_fields?: boolean;
  partitions?: number;
  rate_limit?: ResourceRateLimit;
}

export const CREATE_SINK_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'table', 'id_field'],
  additionalProperties: false,
  properties: {
    name: { ...NAME_SCHEMA, description: "The sink's name, which is its id: it names the topic `intake.sink.<name>`." },
    table: { ...NAME_SCHEMA, description: 'The table the sink writes.' },
    fields: {
      type: 'array',
      maxItems: COLUMNS_PER_TABLE_MAX,
      items: {
        type: 'object',
        required: ['column', 'path'],
        additionalProperties: false,
        properties: { column: NAME_SCHEMA, path: { ...PATH_SCHEMA, description: 'Keys walked from the record value to the column\'s value.' } },
      },
      description: md([
        'Where each column (but the id) is found in a record value. Omitted: every column is read from the',
        'top-level key of its own name, including columns added later, and a key that is no column is refused.',
      ]),
    },
    id_field: {
      type: ['string', 'array'],
      minLength: 1,
      maxLength: 256,
      minItems: 1,
      maxItems: PATH_DEPTH_MAX,
      items: PATH_KEY,
      'x-rule': `must be a key (a string) or a path (an array of 1 to ${PATH_DEPTH_MAX} keys)`,
      description: "Where the row id is in a record value: a top-level key, or a path of keys.",
    },
    allow_missing_fields: { type: 'boolean', default: false, description: 'A record lacking a mapped field writes NULL there instead of being refused (a `required` column is still required).' },
    rate_limit: { ...RESOURCE_RATE_LIMIT_SCHEMA, description: "Limits on this sink's ingest (requests/s, request bytes/s), per node, on top of the token's: 429 with Retry-After beyond." },
    partitions: { type: 'integer', minimum: 1, maximum: SINK_PARTITIONS_MAX, default: SINK_PARTITIONS_DEFAULT, description: "Partitions of the sink's topic: how many nodes can share its materialization." },
  },
};

export interface IngestInput {
  records: unknown[];
}

export const INGEST_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['records'],
  properties: {
    records: {
      type: 'array',
      items: { description: 'One record: `{"value": {…}}`. A record that is not of this shape gets its own error; the others go on.' },
      description: `At most ${RECORDS_PER_REQUEST_MAX} records by default (\`INTAKE_SINK_RECORDS_PER_REQUEST_MAX\`); more is a 400 naming \`records\`.`,
    },
  },
};

export interface IngestQuery {
  wait?: 'applied';
}

export const INGEST_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    wait: { type: 'string', enum: ['applied'], description: '**Intake extension.** `applied`: answer once the valid records are rows (read-your-writes), not only in the log.' },
  },
};

const decimalString = (max: number, what: string) => ({
  type: 'string',
  pattern: `^[1-9][0-9]{0,${String(max).length - 1}}$`,
  'x-rule': `must be an integer in [1, ${max}]`,
  description: what,
});

export interface RowsQuery {
  limit?: string;
  after?: string;
}

export const ROWS_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: decimalString(ROWS_LIMIT_MAX, `Rows per page, 1–${ROWS_LIMIT_MAX} (default 100).`),
    after: { type: 'string', minLength: 1, maxLength: 256, description: 'Keyset cursor: rows with an id after this one (the `next` of the previous page).' },
  },
};

export interface ErrorsQuery {
  limit?: string;
  after?: string;
  since?: string;
}

export const DATE_TIME_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?([Zz]|[+-]\\d{2}:\\d{2})$';
const DATE_TIME = { type: 'string', pattern: DATE_TIME_PATTERN, 'x-rule': 'must be an RFC 3339 date-time, e.g. 2026-12-01T17:00:00Z' } as const;

export const ERRORS_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: decimalString(ERRORS_LIMIT_MAX, `Errors per page, 1–${ERRORS_LIMIT_MAX} (default 100).`),
    after: { type: 'string', pattern: '^[0-9]{1,19}$', 'x-rule': 'must be an error id (the `next` of the previous page)', description: 'Keyset cursor: errors older than this id.' },
    since: { ...DATE_TIME, description: 'Only errors filed at or after this time.' },
  },
};

export interface ReplayInput {
  ids?: string[];
  since?: string;
}

export const REPLAY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  'x-exactly-one-of': ['ids', 'since'],
  properties: {
    ids: { type: 'array', minItems: 1, maxItems: REPLAY_IDS_MAX, items: { type: 'string', pattern: '^[0-9]{1,19}$', 'x-rule': 'must be an error id' }, description: 'The errors to replay.' },
    since: { ...DATE_TIME, description: `Every unresolved error of the sink filed at or after this time (at most ${REPLAY_IDS_MAX}).` },
  },
};

export interface MetricsQuery {
  from?: string;
  to?: string;
}

export const METRICS_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { ...DATE_TIME, description: 'Start of the range (inclusive; default: 60 minutes before `to`).' },
    to: { ...DATE_TIME, description: 'End of the range (exclusive; default: now).' },
  },
};

function md(lines: string[]): string {
  return lines.join('\n');
}

// The column types of a sink table, each stated once: the JSON Schema a column
// definition must satisfy, the Postgres type it becomes, the JSON Schema a record's
// value for it must satisfy, how a validated value becomes a bind parameter, and
// how a stored value reads back. Everything a request says about a column passes
// the definition schema first; names become SQL only through quoteIdentifier.

import type { JsonSchema } from '../common/request-schema';
import { NAME_SCHEMA, RECORD_ID_BYTES_MAX } from '../common/identifiers';

export const COLUMN_TYPES = ['id', 'int', 'decimal', 'string', 'bool', 'timestamp', 'stringset', 'idset', 'json'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** JS numbers are exact to 2^53 − 1; an int outside that cannot be checked or returned exactly. */
export const INT_ABS_MAX = Number.MAX_SAFE_INTEGER;
export const DECIMAL_SCALE_MAX = 18;
/** numeric(38, scale): 38 significant digits, as FeatureBase's decimal. */
export const DECIMAL_PRECISION = 38;
export const STRING_LENGTH_MAX = 65_536;
export const SET_ITEMS_MAX = 10_000;
export const COLUMNS_PER_TABLE_MAX = 256;

export interface ColumnDef {
  name: string;
  type: ColumnType;
  description?: string;
  /** A record must carry a non-null value for it (the id column always must). */
  required?: boolean;
  /** id: the key's kind. */
  id_type?: 'string' | 'int';
  /** int */
  min?: number;
  max?: number;
  /** decimal: digits after the point (values are rounded to it). */
  scale?: number;
  /** string, and each stringset item: characters. */
  max_length?: number;
  /** timestamp given as a number: seconds or milliseconds since the epoch. */
  unit?: 's' | 'ms';
}

const intBound = { type: 'integer', minimum: -INT_ABS_MAX, maximum: INT_ABS_MAX } as const;

/** One column definition in a request (POST /v2/tables, POST /v2/tables/{name}/columns). */
export const COLUMN_DEF_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'type'],
  additionalProperties: false,
  properties: {
    name: NAME_SCHEMA,
    type: { type: 'string', enum: [...COLUMN_TYPES], description: 'The column type.' },
    description: { type: 'string', maxLength: 1024 },
    required: { type: 'boolean', description: 'A record must carry a non-null value for this column.' },
    id_type: { type: 'string', enum: ['string', 'int'], description: '`id` only: string keys (1–256 bytes, the default) or integers.' },
    min: { ...intBound, description: '`int` only: the smallest value accepted.' },
    max: { ...intBound, description: '`int` only: the largest value accepted.' },
    scale: { type: 'integer', minimum: 0, maximum: DECIMAL_SCALE_MAX, description: '`decimal` only: digits after the point (default 2).' },
    max_length: { type: 'integer', minimum: 1, maximum: STRING_LENGTH_MAX, description: '`string` / `stringset` only: characters per value.' },
    unit: { type: 'string', enum: ['s', 'ms'], description: '`timestamp` only: the unit of a numeric timestamp (default `s`).' },
  },
};

/** The Postgres type of a column (after its definition passed COLUMN_DEF_SCHEMA). */
export function pgType(c: ColumnDef): string {
  switch (c.type) {
    case 'id':
      return c.id_type === 'int' ? 'bigint' : 'text';
    case 'int':
      return 'bigint';
    case 'decimal':
      return `numeric(${DECIMAL_PRECISION}, ${c.scale ?? 2})`;
    case 'string':
      return 'text';
    case 'bool':
      return 'boolean';
    case 'timestamp':
      return 'timestamptz';
    case 'stringset':
      return 'text[]';
    case 'idset':
      return 'bigint[]';
    case 'json':
      return 'jsonb';
  }
}

const RFC3339 = '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?([Zz]|[+-]\\d{2}:\\d{2})$';

/** The JSON Schema of a record's value for this column (null is added by the caller when allowed). */
export function valueSchema(c: ColumnDef): JsonSchema {
  switch (c.type) {
    case 'id':
      return c.id_type === 'int'
        ? { type: 'integer', minimum: 0, maximum: INT_ABS_MAX }
        : { type: 'string', format: 'record-id' };
    case 'int':
      return { type: 'integer', minimum: c.min ?? -INT_ABS_MAX, maximum: c.max ?? INT_ABS_MAX };
    case 'decimal': {
      const bound = 10 ** (DECIMAL_PRECISION - (c.scale ?? 2)) - 1;
      return { type: 'number', minimum: -Math.min(bound, Number.MAX_VALUE), maximum: Math.min(bound, Number.MAX_VALUE) };
    }
    case 'string':
      return { type: 'string', maxLength: c.max_length ?? STRING_LENGTH_MAX, pattern: '^[^\\u0000]*$', 'x-rule': `must be a string of at most ${c.max_length ?? STRING_LENGTH_MAX} characters without U+0000` };
    case 'bool':
      return { type: 'boolean' };
    case 'timestamp':
      return c.unit === 'ms'
        ? { type: ['string', 'integer'], pattern: RFC3339, minimum: 0, maximum: 253402300799999, 'x-rule': 'must be an RFC 3339 date-time string or milliseconds since the epoch' }
        : { type: ['string', 'integer'], pattern: RFC3339, minimum: 0, maximum: 253402300799, 'x-rule': 'must be an RFC 3339 date-time string or seconds since the epoch' };
    case 'stringset':
      return {
        type: 'array',
        maxItems: SET_ITEMS_MAX,
        items: { type: 'string', maxLength: c.max_length ?? STRING_LENGTH_MAX, pattern: '^[^\\u0000]*$' },
      };
    case 'idset':
      return { type: 'array', maxItems: SET_ITEMS_MAX, items: { type: 'integer', minimum: 0, maximum: INT_ABS_MAX } };
    case 'json':
      return {};
  }
}

/** A validated value as a bind parameter for the column's Postgres type. */
export function toParam(c: ColumnDef, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (c.type) {
    case 'timestamp':
      if (typeof v === 'number') return new Date(c.unit === 'ms' ? v : v * 1000).toISOString();
      return v;
    case 'stringset':
      return [...new Set(v as string[])];
    case 'idset':
      return [...new Set(v as number[])];
    case 'json':
      // jsonb bind: pg would send an array as a Postgres array, so always send the text.
      return JSON.stringify(v);
    default:
      return v;
  }
}

/** A stored value as JSON (pg returns bigint and numeric as strings). */
export function fromRow(c: ColumnDef, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (c.type) {
    case 'id':
      return c.id_type === 'int' ? Number(v) : v;
    case 'int':
      return Number(v);
    case 'decimal':
      return Number(v);
    case 'timestamp':
      return (v as Date).toISOString();
    case 'idset':
      return (v as string[]).map(Number);
    default:
      return v;
  }
}

/** Rules a column definition must meet beyond its schema; the first broken one, or null. */
export function columnDefProblem(c: ColumnDef): { field: string; rule: string } | null {
  const only: [keyof ColumnDef, ColumnType[]][] = [
    ['id_type', ['id']],
    ['min', ['int']],
    ['max', ['int']],
    ['scale', ['decimal']],
    ['max_length', ['string', 'stringset']],
    ['unit', ['timestamp']],
  ];
  for (const [key, types] of only) {
    if (c[key] !== undefined && !types.includes(c.type)) return { field: key, rule: `applies only to columns of type ${types.join(' or ')}` };
  }
  if (c.min !== undefined && c.max !== undefined && c.min > c.max) return { field: 'min', rule: `must be ≤ max (${c.max})` };
  return null;
}

export { RECORD_ID_BYTES_MAX };

// Per-record validation of a sink's records, on the HTTP path and again in the
// materializer (which also sees records Kafka producers wrote directly): one JSON
// Schema built from the table's columns and the sink's paths, compiled once by Ajv
// (compileRequestSchema), so a record's error names the field and the rule in the
// same words as every other 400. A record that passes yields its row: the id and
// one bind parameter per column.

import { compileRequestSchema, isObject, JsonSchema, RequestSchema } from '../common/request-schema';
import { ValidationError } from '../common/errors';
import { ColumnDef, toParam, valueSchema } from './column-types';
import type { SinkMapping } from './sink-definition';

export interface SinkRow {
  /** The id as text: the record key (it decides the partition). */
  key: string;
  id: string | number;
  /** One value per mapping field, in the mapping's order. */
  values: unknown[];
}

export type RecordVerdict = { ok: true; row: SinkRow } | { ok: false; field: string; message: string };

/** The field prefix of every record error: the record's `value`. */
const BASE = 'value';

function nullable(schema: JsonSchema): JsonSchema {
  if (schema.type === undefined) return schema;
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  return { ...schema, type: [...types, 'null'] };
}

interface ObjectNode {
  type: 'object';
  properties: Record<string, JsonSchema>;
  required: string[];
}

/** Builds the nested object schema of a record value from the mapping's paths. */
export function recordSchema(mapping: SinkMapping, allowMissingFields: boolean): JsonSchema {
  const root: ObjectNode = { type: 'object', properties: {}, required: [] };
  const place = (path: string[], leaf: JsonSchema, required: boolean) => {
    let node = root;
    for (const [i, key] of path.entries()) {
      const last = i === path.length - 1;
      if (required && !node.required.includes(key)) node.required.push(key);
      if (last) {
        node.properties[key] = leaf;
      } else {
        node.properties[key] ??= { type: 'object', properties: {}, required: [] };
        node = node.properties[key] as unknown as ObjectNode;
      }
    }
  };
  place(mapping.idPath, { ...valueSchema(mapping.idColumn) }, true);
  for (const f of mapping.fields) {
    const required = f.column.required === true || !allowMissingFields;
    const leaf = f.column.required ? valueSchema(f.column) : nullable(valueSchema(f.column));
    place(f.path, leaf, required);
  }
  return root as unknown as JsonSchema;
}

function walk(value: unknown, path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (!isObject(v)) return undefined;
    v = v[key];
  }
  return v;
}

export class RecordValidator {
  private readonly schema: RequestSchema<Record<string, unknown>>;

  constructor(
    readonly mapping: SinkMapping,
    readonly allowMissingFields: boolean,
  ) {
    this.schema = compileRequestSchema(recordSchema(mapping, allowMissingFields), BASE);
  }

  get columns(): ColumnDef[] {
    return this.mapping.fields.map((f) => f.column);
  }

  check(value: unknown): RecordVerdict {
    if (!isObject(value)) return { ok: false, field: BASE, message: `${BASE}: is required and must be a JSON object` };
    if (this.mapping.allowedTopLevel) {
      for (const key of Object.keys(value)) {
        if (!this.mapping.allowedTopLevel.has(key)) {
          const field = `${BASE}.${key}`;
          return { ok: false, field, message: `${field}: is not a column of the table (this sink maps columns by name)` };
        }
      }
    }
    try {
      this.schema.parse(value);
    } catch (err) {
      if (err instanceof ValidationError) return { ok: false, field: err.field ?? BASE, message: err.message };
      throw err;
    }
    const id = walk(value, this.mapping.idPath) as string | number;
    return {
      ok: true,
      row: { key: String(id), id, values: this.mapping.fields.map((f) => toParam(f.column, walk(value, f.path))) },
    };
  }
}

// Request validation: one JSON Schema per route input, compiled once by Ajv (draft
// 2020-12, the dialect of OpenAPI 3.1, so the same objects go into /openapi.json
// unchanged), and one translation of Ajv's errors into the catalog's
// `Errors.validation(field, rule)`: instancePath `/vectors/3/dense_values` becomes the
// field `vectors[3].dense_values`, and the rule is said in words built from the
// schema itself, so a schema and its message never disagree. Pure: no HTTP, no I/O.
//
// Facts about Ajv 8 this relies on:
//  - `verbose` puts the failing value (`data`) and the schema object holding the
//    failing keyword (`parentSchema`) on each error; the rule text is made from them;
//  - without `allErrors` validation stops at the first error, which is the one we
//    report (and the cheapest: a 10,000-vector batch with a bad first id stops there);
//  - `useDefaults` writes each `default` into the validated object, so a default is
//    stated once, in the schema, and documented by it;
//  - strict mode refuses unknown keywords and formats at compile time, so the `x-`
//    keywords and the `record-id` format below are registered before any schema.

import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { Errors, ValidationError } from './errors';
import { recordIdViolation } from './identifiers';

/** A JSON Schema object as written in the route definitions (and served in /openapi.json). */
export type JsonSchema = Record<string, unknown>;

/** The one object check (JSON object: not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How much of an offending string value is echoed back: enough to recognise it, not to reflect a payload. */
const ECHOED_STRING_CHARS_MAX = 40;

/** A short description of what was received, for the "got …" half of a rule. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') {
    const shown = value.length > ECHOED_STRING_CHARS_MAX ? `${value.slice(0, ECHOED_STRING_CHARS_MAX)}…` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Joins a JSON pointer onto a field: ('', '/vectors/3/dense_values') → `vectors[3].dense_values`. */
export function fieldOf(base: string, instancePath: string): string {
  let out = base;
  for (const raw of instancePath.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^\d+$/.test(segment) ? `${out}[${segment}]` : out === '' ? segment : `${out}.${segment}`;
  }
  return out === '' ? 'body' : out;
}

const ajv = new Ajv2020({ verbose: true, useDefaults: true, strict: true, strictTypes: false });

/** Ids of records (vector ids, external ids): the rule lives in identifiers.ts. */
ajv.addFormat('record-id', { type: 'string', validate: (s: string) => recordIdViolation(s) === null });

/** Annotation: the rule to report when this schema fails, where the generated words would be unclear. */
ajv.addKeyword({ keyword: 'x-rule', schemaType: 'string' });

/**
 * `"x-exactly-one-of": ["a", "b"]`: exactly one of the properties is present, where
 * null counts as absent (JSON Schema's oneOf/required would count a null as present).
 */
ajv.addKeyword({
  keyword: 'x-exactly-one-of',
  type: 'object',
  schemaType: 'array',
  validate: (names: string[], data: Record<string, unknown>) =>
    names.filter((n) => data[n] !== undefined && data[n] !== null).length === 1,
});

/** A compiled schema for one request input. `parse` returns the value typed, or throws the 400. */
export interface RequestSchema<T> {
  readonly schema: JsonSchema;
  parse(value: unknown): T;
}

/**
 * Compiles `schema` once. `field` names the input in errors when the whole value is
 * wrong: '' for a body (reported as `body`), or a parameter's field name.
 */
export function compileRequestSchema<T>(schema: JsonSchema, field = ''): RequestSchema<T> {
  const validate = ajv.compile(schema);
  return {
    schema,
    parse(value: unknown): T {
      if (validate(value)) return value as T;
      throw validationError(validate, field);
    },
  };
}

function validationError(validate: ValidateFunction, base: string): ValidationError {
  const error = (validate.errors ?? [])[0];
  if (!error) return Errors.validation(base || 'body', 'is invalid');
  return translate(error, base);
}

/** The one translation of an Ajv error into the catalog's validation error. */
export function translate(error: ErrorObject, base: string): ValidationError {
  const at = fieldOf(base, error.instancePath);
  const schema = (error.parentSchema ?? {}) as JsonSchema;
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return Errors.validation(fieldOf(base, `${error.instancePath}/${missing}`), 'is required');
  }
  if (error.keyword === 'x-exactly-one-of') {
    const names = schema['x-exactly-one-of'] as string[];
    return Errors.validation(at, `must carry exactly one of ${names.join(' and ')}`);
  }
  if (error.keyword === 'format' && (error.params as { format: string }).format === 'record-id') {
    return Errors.validation(at, recordIdViolation(error.data) ?? 'is not a valid id');
  }
  if (typeof schema['x-rule'] === 'string') return Errors.validation(at, schema['x-rule']);
  return Errors.validation(at, `must be ${expectation(schema)}, got ${describeValue(error.data)}`);
}

/** What a schema asks for, in words: "an integer in [1, 1000]", "one of cosine, l2, ip". */
export function expectation(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(String).join(', ')}`;
  if ('const' in schema) return JSON.stringify(schema.const);
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === 'string' ? [schema.type] : [];
  const nullable = types.includes('null');
  const main = types.find((t) => t !== 'null');
  const words = main === undefined ? 'valid' : typeWords(main, schema);
  return nullable ? `${words} or null` : words;
}

function typeWords(type: string, s: JsonSchema): string {
  const range = (min: unknown, max: unknown, unit = '') =>
    min !== undefined && max !== undefined
      ? ` ${unit ? `of ${min} to ${max} ${unit}` : `in [${min}, ${max}]`}`
      : min !== undefined
        ? ` ${unit ? `of at least ${min} ${unit}` : `≥ ${min}`}`
        : max !== undefined
          ? ` ${unit ? `of at most ${max} ${unit}` : `≤ ${max}`}`
          : '';
  switch (type) {
    case 'integer':
      return `an integer${range(s.minimum, s.maximum)}`;
    case 'number':
      return `a number${range(s.minimum, s.maximum)}`;
    case 'string':
      return `a string${range(s.minLength, s.maxLength, 'characters')}`;
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a JSON object';
    case 'array': {
      const items = isObject(s.items) && s.items.type === 'number' ? 'numbers' : 'items';
      return `an array${range(s.minItems, s.maxItems, items)}`.replace(/^an array$/, `an array of ${items}`);
    }
    default:
      return `of type ${type}`;
  }
}

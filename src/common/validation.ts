// Hand validation of parsed JSON bodies. Each helper either returns the value with
// its type narrowed or throws Errors.validation naming the field and the rule, so a
// client reads `vectors[3].dense_values: expected 128 numbers, got 127` and knows
// exactly what to fix. Pure functions: no HTTP, no I/O.

import { Errors } from './errors';

/** How much of an offending string value is echoed back; enough to recognise it, not to reflect a payload. */
const ECHOED_STRING_CHARS_MAX = 40;

/** A short description of what was received, for the "got ..." half of a message. */
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

/** Joins a path: fieldPath('vectors', 3, 'dense_values') → `vectors[3].dense_values`. */
export function fieldPath(base: string, ...segments: (string | number)[]): string {
  let out = base;
  for (const s of segments) out = typeof s === 'number' ? `${out}[${s}]` : out === '' ? s : `${out}.${s}`;
  return out;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw Errors.validation(field, `expected an object, got ${describeValue(value)}`);
  return value;
}

export interface StringRule {
  /** Whole-string pattern; `patternText` is how the message shows it (defaults to the regex source). */
  pattern?: RegExp;
  patternText?: string;
  minLength?: number;
  maxLength?: number;
}

export function requireString(value: unknown, field: string, rule: StringRule = {}): string {
  if (typeof value !== 'string') throw Errors.validation(field, `expected a string, got ${describeValue(value)}`);
  const min = rule.minLength ?? 0;
  if (value.length < min) {
    throw Errors.validation(field, min === 1 ? 'must not be empty' : `expected at least ${min} characters, got ${value.length}`);
  }
  if (rule.maxLength !== undefined && value.length > rule.maxLength) {
    throw Errors.validation(field, `expected at most ${rule.maxLength} characters, got ${value.length}`);
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    throw Errors.validation(field, `must match ${rule.patternText ?? rule.pattern.source}, got ${describeValue(value)}`);
  }
  return value;
}

export function optionalString(value: unknown, field: string, rule: StringRule = {}): string | undefined {
  return value === undefined || value === null ? undefined : requireString(value, field, rule);
}

export interface IntRange {
  min: number;
  max: number;
}

export function requireInt(value: unknown, field: string, range: IntRange): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw Errors.validation(field, `expected an integer in [${range.min}, ${range.max}], got ${describeValue(value)}`);
  }
  return value;
}

/** Absent (undefined or null) → undefined; present → must be an integer in range. */
export function optionalInt(value: unknown, field: string, range: IntRange): number | undefined {
  return value === undefined || value === null ? undefined : requireInt(value, field, range);
}

export function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw Errors.validation(field, `expected true or false, got ${describeValue(value)}`);
  return value;
}

/**
 * An array of finite numbers, optionally of an exact length. JSON cannot carry NaN
 * or Infinity, but values decoded from other encodings can, and one of them would
 * poison an index, so they are rejected here with the index that holds them.
 */
export function requireFiniteNumberArray(value: unknown, field: string, length?: number): number[] {
  if (!Array.isArray(value)) {
    const wanted = length === undefined ? 'an array of numbers' : `an array of ${length} numbers`;
    throw Errors.validation(field, `expected ${wanted}, got ${describeValue(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw Errors.validation(field, `expected ${length} numbers, got ${value.length}`);
  }
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw Errors.validation(`${field}[${i}]`, `expected a finite number, got ${describeValue(x)}`);
    }
  }
  return value as number[];
}

export function requireEnum<const T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw Errors.validation(field, `expected one of ${allowed.join(', ')}, got ${describeValue(value)}`);
  }
  return value as T;
}

export function optionalEnum<const T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
  return value === undefined || value === null ? undefined : requireEnum(value, field, allowed);
}

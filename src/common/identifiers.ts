// The one check every identifier from a request passes before it reaches Postgres,
// the log (topic names, record keys) or a file path. Two kinds:
//   names   collections / indexes (and later sinks, streams): they become topic names,
//           directory names and SQL values, so they are a small safe alphabet.
//   ids     vector ids, external ids, task ids: free text chosen by the client, bounded
//           in bytes, without control characters (Postgres text cannot hold U+0000, and
//           a control character in a log key or a message is never what a client meant).

import { Errors } from './errors';

export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const NAME_RULE = 'must match [a-z0-9][a-z0-9_-]{0,62}';
/** The documented id limit (seed 000 ids, seed 001 external ids). */
export const RECORD_ID_BYTES_MAX = 256;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export function isName(value: unknown): value is string {
  return typeof value === 'string' && NAME_PATTERN.test(value);
}

/** A collection, index, sink or stream name; `field` names it in the 400. */
export function requireName(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') throw Errors.validation(field, 'is required');
  if (!isName(value)) throw Errors.validation(field, NAME_RULE);
  return value;
}

/** The rule an id breaks, or null. */
export function recordIdViolation(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'is required and must be a non-empty string';
  if (Buffer.byteLength(value) > RECORD_ID_BYTES_MAX) return `must be at most ${RECORD_ID_BYTES_MAX} bytes`;
  if (CONTROL_CHARACTER.test(value)) return 'must not contain control characters (U+0000–U+001F, U+007F)';
  return null;
}

export function requireRecordId(value: unknown, field: string): string {
  const violation = recordIdViolation(value);
  if (violation) throw Errors.validation(field, violation);
  return value as string;
}

// The one check every identifier from a request passes before it reaches Postgres,
// the log (topic names, record keys) or a file path. Two kinds:
//   names   collections / indexes (and later sinks, streams): they become topic names,
//           directory names and SQL values, so they are a small safe alphabet.
//   ids     vector ids, external ids, task ids: free text chosen by the client, bounded
//           in bytes, without control characters (Postgres text cannot hold U+0000, and
//           a control character in a log key or a message is never what a client meant).
//
// Each kind is stated once, here: the pattern / rule below, and the JSON Schema
// fragments that every route's schema uses for it (src/common/request-schema.ts
// registers the `record-id` format with `recordIdViolation`), so the 400 a client
// gets and the rule /openapi.json documents are the same text.

export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const NAME_RULE = 'must match [a-z0-9][a-z0-9_-]{0,62}';
/** The documented id limit (seed 000 ids, seed 001 external ids). */
export const RECORD_ID_BYTES_MAX = 256;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** The rule an id breaks, or null. */
export function recordIdViolation(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'is required and must be a non-empty string';
  if (Buffer.byteLength(value) > RECORD_ID_BYTES_MAX) return `must be at most ${RECORD_ID_BYTES_MAX} bytes`;
  if (CONTROL_CHARACTER.test(value)) return 'must not contain control characters (U+0000–U+001F, U+007F)';
  return null;
}

/** A collection, index, sink or stream name, as a schema. */
export const NAME_SCHEMA = {
  type: 'string',
  pattern: NAME_PATTERN.source,
  'x-rule': NAME_RULE,
  description: 'Lower-case letters, digits, `_` and `-`; starts with a letter or digit; at most 63 characters.',
  examples: ['docs'],
} as const;

/** A record id (vector id, external id), as a schema; `record-id` checks bytes and control characters. */
export const RECORD_ID_SCHEMA = {
  type: 'string',
  format: 'record-id',
  description:
    `1 to ${RECORD_ID_BYTES_MAX} **bytes** of UTF-8 without control characters (U+0000–U+001F, U+007F); ` +
    'it is the Kafka record key.',
} as const;

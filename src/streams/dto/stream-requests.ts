// The request schemas of the streams management routes (seed 003 names only the
// ingest endpoint; the definition is what Vector / Cribl users expect: an ordered
// list of processors, ordered routes, named destinations). Conditions are checked
// further by conditions.ts; cross-references (a route naming a destination) by
// stream-definition.ts.

import type { JsonSchema } from '../../common/request-schema';
import { NAME_SCHEMA } from '../../common/identifiers';
import { RESOURCE_RATE_LIMIT_SCHEMA } from '../../auth/resource-rate-limiter';

export const PROCESSORS_MAX = 64;
export const ROUTES_MAX = 64;
export const DESTINATIONS_MAX = 16;
export const FIELD_PATH_CHARS_MAX = 512;
export const PATTERN_CHARS_MAX = 512;
export const STREAM_PARTITIONS_MAX = 64;
export const TEST_EVENTS_MAX = 1_000;

const FIELD = { type: 'string', minLength: 1, maxLength: FIELD_PATH_CHARS_MAX, pattern: '^[^.]+(\\.[^.]+)*$', description: 'A dot path into the event, e.g. `event.card`.' } as const;
const CONDITION = { type: 'object', description: 'A MongoDB-style query (`{"level": "debug"}`, `{"event.amount": {"$gt": 100}}`), matched with sift.' } as const;
const PATTERN = { type: 'string', minLength: 1, maxLength: PATTERN_CHARS_MAX } as const;

const processor = (type: string, required: string[], properties: Record<string, unknown>, description: string): JsonSchema => ({
  type: 'object',
  required: ['type', ...required],
  additionalProperties: false,
  properties: { type: { const: type }, ...properties },
  description,
});

export const PROCESSOR_SCHEMAS: JsonSchema[] = [
  processor('parse', ['field', 'format'], {
    field: FIELD,
    format: { enum: ['json', 'key_value', 'regex'] },
    pattern: { ...PATTERN, description: 'format regex: a regular expression with named groups; each group becomes a field.' },
    target: { ...FIELD, description: 'Where the parsed object goes; default: replaces `field`.' },
  }, 'Parses a string field: JSON, `key=value` pairs, or a regex with named groups.'),
  processor('set', ['field'], {
    field: FIELD,
    value: { description: 'A constant.' },
    from: { ...FIELD, description: 'Copy another field instead of a constant.' },
  }, 'Adds or overwrites a field, from a constant (`value`) or another field (`from`).'),
  processor('rename', ['from', 'to'], { from: FIELD, to: FIELD }, 'Moves a field.'),
  processor('drop_fields', ['fields'], { fields: { type: 'array', minItems: 1, maxItems: 256, items: FIELD } }, 'Removes fields.'),
  processor('mask', ['with'], {
    field: { ...FIELD, description: 'Mask this field (its whole value, or the matches of `pattern` inside it). Omitted: every string in the event.' },
    pattern: { ...PATTERN, description: '`card_number`, `email`, or a regular expression. Omitted: the whole field.' },
    with: { enum: ['mask', 'hash'], description: '`mask`: replace with `mask`; `hash`: a salted SHA-256 (first 16 hex characters), equal for equal inputs.' },
    mask: { type: 'string', maxLength: 256, description: 'Default `****`.' },
    salt: { type: 'string', maxLength: 256 },
  }, 'Replaces a field, a nested path, or every match of a pattern inside strings, with a fixed mask or a salted hash.'),
  processor('filter', ['drop_when'], { drop_when: CONDITION }, 'Drops the events that match `drop_when`.'),
  processor('sample', ['rate'], {
    rate: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'Keep 1 in `rate`.' },
    key_field: { ...FIELD, description: 'Decide by this field\'s value, so all events with one value (one trace) are kept or dropped together.' },
    when: { ...CONDITION, description: 'Sample only the events that match; others pass.' },
  }, 'Keeps 1 in N events, deterministically (by `key_field`, else by the event\'s log position).'),
];

/** A destination's name: the name rule, or `_unmatched` (the events no route matched). */
const DESTINATION_NAME = { type: 'string', pattern: '^(_unmatched|[a-z0-9][a-z0-9_-]{0,62})$', 'x-rule': 'must match [a-z0-9][a-z0-9_-]{0,62} or be _unmatched' } as const;

const destination = (type: string, required: string[], properties: Record<string, unknown>, description: string): JsonSchema => ({
  type: 'object',
  required: ['name', 'type', ...required],
  additionalProperties: false,
  properties: { name: DESTINATION_NAME, type: { const: type }, ...properties },
  description,
});

export const DESTINATION_SCHEMAS: JsonSchema[] = [
  destination('table', ['table', 'id_field'], {
    table: NAME_SCHEMA,
    id_field: FIELD,
    fields: {
      type: 'array',
      maxItems: 256,
      items: { type: 'object', required: ['column', 'path'], additionalProperties: false, properties: { column: NAME_SCHEMA, path: FIELD } },
      description: 'Where each column is found; omitted: each column from the top-level field of its name.',
    },
    allow_missing_fields: { type: 'boolean' },
  }, 'A sink table (POST /v2/tables): each event is validated against it like a sink record and upserted by id.'),
  destination('collection', ['collection', 'id_field', 'text_field'], {
    collection: NAME_SCHEMA,
    id_field: FIELD,
    text_field: FIELD,
    metadata_field: { ...FIELD, description: 'An object field stored as the vector\'s metadata; default: the whole event.' },
  }, 'A collection: the text field is embedded and upserted under the id field\'s value.'),
  destination('topic', ['topic'], {
    topic: { type: 'string', pattern: '^(?!intake\\.)[A-Za-z0-9._-]{1,249}$', description: 'A Kafka topic (not under the reserved `intake.` prefix); made if missing.' },
    key_field: FIELD,
  }, 'A Kafka topic for downstream consumers: one record per event (JSON).'),
  destination('webhook', ['url'], {
    url: { type: 'string', pattern: '^https?://', maxLength: 2048 },
    headers: { type: 'object', additionalProperties: { type: 'string', maxLength: 4096 }, maxProperties: 32 },
    batch_max_events: { type: 'integer', minimum: 1, maximum: 10_000, description: 'Default 500.' },
    retries: { type: 'integer', minimum: 0, maximum: 20, description: 'Attempts after the first, with exponential backoff. Default 5.' },
    concurrency: { type: 'integer', minimum: 1, maximum: 64, description: 'Requests in flight at once for this destination. Default 2.' },
    timeout_ms: { type: 'integer', minimum: 100, maximum: 120_000, description: 'Default 10,000.' },
  }, 'HTTP POST of NDJSON batches, with retries and exponential backoff.'),
  destination('file', [], {
    max_bytes: { type: 'integer', minimum: 1024, maximum: 1024 ** 4, description: 'Roll the file at this size. Default 64 MiB.' },
    max_age_seconds: { type: 'integer', minimum: 1, maximum: 86_400, description: 'Roll the file at this age. Default 300.' },
  }, 'Rolling NDJSON files under `<data dir>/streams/<stream id>/<destination>/`.'),
];

const ROUTE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['to'],
  additionalProperties: false,
  properties: {
    when: { ...CONDITION, description: 'Omitted: every event.' },
    to: { type: 'array', minItems: 1, maxItems: DESTINATIONS_MAX, items: DESTINATION_NAME },
    final: { type: 'boolean', description: 'Stop at this rule when it matches.' },
  },
};

export const RATE_LIMIT_SCHEMA: JsonSchema = RESOURCE_RATE_LIMIT_SCHEMA;

/**
 * One of several object shapes told apart by `type`: if/then per type, so a bad
 * processor's error names its own field (`pipeline[2].rate`) rather than every shape
 * it failed to be, as oneOf would.
 */
function byType(shapes: JsonSchema[]): JsonSchema {
  const types = shapes.map((s) => ((s.properties as Record<string, { const: string }>).type.const));
  return {
    type: 'object',
    required: ['type'],
    properties: { type: { enum: types } },
    allOf: shapes.map((shape, i) => ({ if: { properties: { type: { const: types[i] } } }, then: shape })),
  };
}

const DEFINITION_PROPERTIES = {
  pipeline: { type: 'array', maxItems: PROCESSORS_MAX, items: byType(PROCESSOR_SCHEMAS), description: 'Processors, applied in order.' },
  routes: { type: 'array', maxItems: ROUTES_MAX, items: ROUTE_SCHEMA, description: 'Omitted or empty: every event goes to every destination.' },
  destinations: { type: 'array', minItems: 1, maxItems: DESTINATIONS_MAX, items: byType(DESTINATION_SCHEMAS) },
  rate_limit: { ...RATE_LIMIT_SCHEMA, description: 'Limits on this stream\'s ingest, per node.' },
} as const;

export const CREATE_STREAM_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['name', 'destinations'],
  additionalProperties: false,
  properties: {
    name: NAME_SCHEMA,
    ...DEFINITION_PROPERTIES,
    partitions: { type: 'integer', minimum: 1, maximum: STREAM_PARTITIONS_MAX, description: 'Partitions of the stream\'s topic. Default 2.' },
  },
};

export const UPDATE_STREAM_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['destinations'],
  additionalProperties: false,
  properties: DEFINITION_PROPERTIES,
};

export const TEST_STREAM_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['events'],
  additionalProperties: false,
  properties: { events: { type: 'array', minItems: 1, maxItems: TEST_EVENTS_MAX, items: { type: 'object' } } },
};

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
export const STREAM_ID_SCHEMA: JsonSchema = { type: 'string', pattern: UUID_PATTERN, 'x-rule': 'must be a stream id (a lowercase UUID)' };

export const STREAM_ERRORS_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
    before: { type: 'string', pattern: '^[0-9]{1,19}$' },
  },
};

export const STREAM_METRICS_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { minutes: { type: 'string', pattern: '^[0-9]{1,5}$', description: 'How many past minutes (default 60, at most 10,080).' } },
};

export const INGEST_QUERY_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { partial: { enum: ['true', 'false'], description: 'A batch: accept the valid events and report the others (default: all or nothing).' } },
};

// The documentation and input schemas of the token routes (/v1/tokens): Intake's own
// management API. The schemas are the ones requests are validated with.
import { ApiPathParam, ApiRouteDoc, md } from '../common/api-route';
import { NAME_SCHEMA } from '../common/identifiers';
import { SCOPES } from './scopes';

const TOKEN_ID: ApiPathParam = {
  name: 'token_id',
  field: 'token_id',
  description: "The token's id (a UUID, from `POST /v1/tokens` or `GET /v1/tokens`), not its secret.",
  schema: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', 'x-rule': 'must be a token id (a UUID)' },
};

const NAMES = { type: 'array', items: NAME_SCHEMA, maxItems: 1_000, uniqueItems: true };

export const CREATE_TOKEN_SCHEMA = {
  type: 'object',
  required: ['name', 'scopes'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128, description: 'For people: what the token is for.' },
    scopes: {
      type: 'array',
      minItems: 1,
      maxItems: SCOPES.length,
      uniqueItems: true,
      items: { type: 'string', enum: [...SCOPES] },
      description: md(
        '`admin` may do everything (tokens included); `read` may read every surface;',
        '`<surface>:write` includes `<surface>:read`; `streams:ingest` may only send events.',
      ),
    },
    expires_at: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
      'x-rule': 'must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z',
      description: 'After this instant the token is refused (401). Omit for no expiry.',
    },
    resources: {
      type: 'object',
      additionalProperties: false,
      properties: { collections: NAMES, sinks: NAMES, tables: NAMES, streams: NAMES },
      description: 'Narrows the scopes to these named resources; a kind left out is not narrowed, except `tables` (the sinks\' tables, under the `sinks:*` scopes): a token that names sinks reaches only the tables it names too.',
    },
    rate_limit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        requests_per_second: { type: 'integer', minimum: 1, maximum: 10_000_000 },
        bytes_per_second: { type: 'integer', minimum: 1_024, maximum: 1_099_511_627_776 },
      },
      description: 'Per node. Omitted fields take the defaults (`INTAKE_RATE_LIMIT_REQUESTS_PER_SECOND`, `INTAKE_RATE_LIMIT_BYTES_PER_SECOND`).',
    },
  },
} as const;

const TOKEN_VIEW = { $ref: '#/components/schemas/ApiToken' };

export const TokensApi = {
  create: {
    operationId: 'createToken',
    summary: 'Create an API token',
    description: md(
      'Answers the new token with its `token` secret: **the only time it is shown**.',
      'Intake stores only a SHA-256 of it. Send it as `Authorization: Bearer <token>`.',
    ),
    tags: ['tokens'],
    body: { schema: CREATE_TOKEN_SCHEMA, example: { name: 'ci-writer', scopes: ['collections:write'], resources: { collections: ['docs'] } } },
    responses: {
      '201': {
        description: 'Created; `token` is the secret.',
        content: { 'application/json': { schema: { allOf: [TOKEN_VIEW, { type: 'object', required: ['token'], properties: { token: { type: 'string' } } }] } } },
      },
      '400': { $ref: '#/components/responses/ValidationFailed' },
    },
  },
  list: {
    operationId: 'listTokens',
    summary: 'List API tokens (never their secrets)',
    tags: ['tokens'],
    responses: {
      '200': { description: 'Every token, revoked ones included.', content: { 'application/json': { schema: { type: 'object', properties: { tokens: { type: 'array', items: TOKEN_VIEW } } } } } },
    },
  },
  get: {
    operationId: 'getToken',
    summary: 'Get an API token (never its secret)',
    tags: ['tokens'],
    params: { id: TOKEN_ID },
    responses: {
      '200': { description: 'The token.', content: { 'application/json': { schema: TOKEN_VIEW } } },
      '404': { description: 'No such token (`INTAKE_NOT_FOUND`).' },
    },
  },
  revoke: {
    operationId: 'revokeToken',
    summary: 'Revoke an API token',
    description: 'Every node refuses it (401) within a second. The admin token is replaced with `INTAKE_ROTATE_ADMIN_TOKEN=1`, not revoked (409).',
    tags: ['tokens'],
    params: { id: TOKEN_ID },
    responses: {
      '204': { description: 'Revoked (or already revoked).' },
      '404': { description: 'No such token (`INTAKE_NOT_FOUND`).' },
      '409': { description: 'The admin token (`INTAKE_INVALID_STATE`).' },
    },
  },
} satisfies Record<string, ApiRouteDoc>;

export const API_TOKEN_SCHEMA = {
  type: 'object',
  required: ['id', 'name', 'hint', 'scopes', 'resources', 'rate_limit', 'admin', 'expires_at', 'revoked_at', 'created_at'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    hint: { type: 'string', description: 'The first characters of the secret, to recognise it.' },
    scopes: { type: 'array', items: { type: 'string', enum: [...SCOPES] } },
    resources: { type: ['object', 'null'] },
    rate_limit: { type: ['object', 'null'] },
    admin: { type: 'boolean' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
  },
};

export interface CreateTokenBody {
  name: string;
  scopes: (typeof SCOPES)[number][];
  expires_at?: string;
  resources?: { collections?: string[]; sinks?: string[]; tables?: string[]; streams?: string[] };
  rate_limit?: { requests_per_second?: number; bytes_per_second?: number };
}

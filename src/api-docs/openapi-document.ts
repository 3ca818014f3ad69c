// Builds the OpenAPI 3.1 document from the controllers' @ApiRoute definitions: the
// paths from Nest's route metadata, each operation's parameters and request body
// from the schemas the server validates with, its text and responses from the same
// definition. Served at /openapi.json (src/api-docs/api-docs.controller.ts) and
// written to docs/openapi.yaml by `npm run openapi`.

import type { DynamicModule, Type } from '@nestjs/common';
import { ApiRoute, apiRouteOf, md } from '../common/api-route';
import type { JsonSchema } from '../common/request-schema';
import { AccessRule, accessRuleOf } from '../auth/access-rule';
import { controllerRoutes } from '../common/controller-routes';
import { IDEMPOTENT } from '../idempotency/idempotency';
import { RESPONSES, SCHEMAS } from './components';

export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, Record<string, unknown>>> };

const INFO = {
  title: 'Intake HTTP API',
  version: '0.1.0',
  summary: 'Collections (Cosdata-compatible), streaming upsert/delete, dense search, health and metrics.',
  description: md(
    'The HTTP API Intake serves today. Every write is validated, appended to the',
    "collection's Kafka topic (`intake.collection.<name>`, see docs/topics.md) and",
    "acknowledged only once the log has durably accepted it **and** this node's index",
    'has applied it ("immediately searchable").',
    '',
    "Paths, bodies and status codes follow Cosdata's collection and streaming API and",
    'the index ingest session API of seed 001 (`/init`, `/ingest`, `/ingest/batch`,',
    '`/finalize`). Fields and behaviours that Cosdata does not define are marked',
    '**Intake extension** in their descriptions: `metric`, `hnsw`, `shards` and',
    '`metadata` on create/upsert, `query_text`, `ef_search` and `consistency` on search,',
    '`GET /ingest/status`, the 409 answers of the ingest sessions and the 503 answers.',
    '',
    'Also served: tables and sinks (seed 002, `/v2/…`), event streams (seed 003) and upsertion',
    'tasks (seed 004, `/embeddings/upsertion-tasks/…`, docs/tasks.md); see README "Status".',
    '',
    'Every route but `/health`, `/metrics`, `/openapi.json` and `/docs` needs',
    '`Authorization: Bearer <token>`: 401 `INTAKE_UNAUTHORIZED` (with',
    '`WWW-Authenticate: Bearer`) when it is missing, malformed, unknown, expired or',
    'revoked; 403 `INTAKE_FORBIDDEN` when the token lacks the scope an operation names',
    '(`x-intake-scope`) or is narrowed to other resources; 429 `INTAKE_RATE_LIMITED`',
    'with `Retry-After` and `RateLimit-Limit` / `RateLimit-Remaining` /',
    '`RateLimit-Reset` when it is over its rate. The admin token is printed once at the',
    'first start (or set with `INTAKE_ADMIN_TOKEN`); more tokens come from `POST /v1/tokens`.',
    '',
    'Every error has the same body (`Error`); clients branch on `error.code`, never on',
    'the message text. Errors raised by the HTTP layer itself (malformed JSON, body over',
    '64 MiB, unsupported content type, unknown route, a malformed URL, a path parameter',
    'over 1,024 characters) carry the catalog code of their status (`INTAKE_VALIDATION`,',
    '`INTAKE_PAYLOAD_TOO_LARGE`, `INTAKE_UNSUPPORTED_MEDIA_TYPE`, `INTAKE_NOT_FOUND`,',
    '`INTAKE_URI_TOO_LONG`), in the same body.',
    '',
    'Identifiers from a request pass one check before they reach Postgres, the log or',
    'a file: collection and index names match `[a-z0-9][a-z0-9_-]{0,62}`; vector and',
    'external ids are 1–256 bytes of UTF-8 without control characters (U+0000–U+001F,',
    'U+007F). Anything else is 400 naming the field (`collection`, `vector_id`, …).',
    'JSON bodies may nest objects and arrays at most 64 levels deep (400 otherwise).',
    '',
    "A request's path parameters, query and JSON body are checked against the schemas",
    'in this document (JSON Schema 2020-12), the ones the server itself validates with,',
    'before anything else; the first rule broken is answered 400 `INTAKE_VALIDATION`',
    'naming the field. Three extensions appear in them: `x-rule` is the rule text a 400',
    'gives for that schema, `x-exactly-one-of` lists properties of which exactly one must',
    'be present (a `null` counts as absent), and the format `record-id` is the id rule',
    "above. Rules that depend on the collection (a vector has exactly its `dimension`",
    'numbers, within float32, not all zeros under `cosine`) are checked once the',
    'collection is found.',
    '',
    'Request bodies are JSON (`content-type: application/json`), except the binary rows',
    'of `POST /ingest/batch` (`application/octet-stream`, up to 1 GiB). Any other content',
    'type is answered 415 `INTAKE_UNSUPPORTED_MEDIA_TYPE`, naming the type that was sent.',
    'A request without a body is accepted whatever its content type (SDKs send',
    '`content-type: application/json` on every call); a route that needs a body then',
    'answers 400 naming `body`. Unknown fields in request bodies are ignored.',
    'An error answered before a streamed body was read to its end carries',
    '`Connection: close`: the connection is closed after the answer.',
  ),
};

const SERVERS = [
  {
    url: 'http://127.0.0.1:8080',
    description: 'Standalone (`npm start`; HOST defaults to 127.0.0.1, PORT to 8080)',
  },
  { url: 'http://localhost:8080', description: 'docker compose (cluster mode)' },
];

const TAGS = [
  {
    name: 'collections',
    description: 'Create, list, get and delete collections (Cosdata).',
  },
  {
    name: 'streaming',
    description: 'Streaming upsert and delete (seed 000); a call returns once the write is searchable.',
  },
  { name: 'search', description: 'Dense vector search (Cosdata).' },
  {
    name: 'ingest',
    description: md(
      'Index ingest sessions (seed 001): `/init` → `/ingest` or `/ingest/batch` (any',
      'number) → `/finalize`, which builds the staged rows into the index. An index is a',
      "collection; `index_name` is the collection's name.",
    ),
  },
  { name: 'tokens', description: 'API tokens, their scopes and rate limits (admin only).' },
  {
    name: 'operations',
    description: 'Health and Prometheus metrics; unauthenticated and read-only.',
  },
];


/** A documented operation and where Nest serves it. */
export interface DocumentedRoute {
  method: string;
  /** Nest's / Fastify's URL pattern, e.g. `/vectordb/collections/:id`. */
  url: string;
  /** The document's path template, e.g. `/vectordb/collections/{collection_id}`. */
  path: string;
  route: ApiRoute;
  /** Who may call it (src/auth/access-rule.ts); undefined when it states nothing (the guard refuses it). */
  access?: AccessRule;
  /** Takes an Idempotency-Key (@Idempotent). */
  idempotent: boolean;
}

/** Every controller method with an @ApiRoute, in controller order. */
export function documentedRoutes(controllers: readonly Type[]): DocumentedRoute[] {
  const routes: DocumentedRoute[] = [];
  for (const { controller, key, handler, method, url } of controllerRoutes(controllers)) {
    const route = apiRouteOf(handler);
    if (!route) continue;
    const path = url.replace(/:(\w+)/g, (_, token: string) => {
      const param = route.doc.params?.[token];
      if (!param) throw new Error(`${controller.name}.${key}: route parameter :${token} has no entry in its @ApiRoute params`);
      return `{${param.name}}`;
    });
    routes.push({ method, url, path, route, access: accessRuleOf(handler, controller), idempotent: Reflect.getMetadata(IDEMPOTENT, handler) === true });
  }
  return routes;
}

export function buildOpenApiDocument(controllers: readonly Type[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const { method, path, route, access, idempotent } of documentedRoutes(controllers)) {
    (paths[path] ??= {})[method.toLowerCase()] = operation(route, access, idempotent);
  }
  return {
    openapi: '3.1.0',
    info: INFO,
    servers: SERVERS,
    tags: TAGS,
    paths,
    components: { responses: RESPONSES, schemas: SCHEMAS, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An Intake API token (`intake_…`).' } } },
  };
}

function operation({ doc }: ApiRoute, access: AccessRule | undefined, idempotent: boolean): Record<string, unknown> {
  const parameters: Record<string, unknown>[] = Object.values(doc.params ?? {}).map((p) => ({
    name: p.name,
    in: 'path',
    required: true,
    description: p.description,
    schema: p.schema,
  }));
  const query = doc.query as { properties?: Record<string, JsonSchema>; required?: string[] } | undefined;
  for (const [name, schema] of Object.entries(query?.properties ?? {})) {
    const { description, ...rest } = schema;
    parameters.push({ name, in: 'query', required: query?.required?.includes(name) ?? false, description, schema: rest });
  }
  for (const [name, h] of Object.entries(doc.headers ?? {})) parameters.push({ name, in: 'header', required: h.required, description: h.description, schema: h.schema });
  if (idempotent) {
    parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        '1–255 printable characters. A retry with the same key (per token) within 24 h gets the first answer again, with ' +
        '`Idempotent-Replayed: true`, and writes nothing; the same key with another request is 409 `INTAKE_CONFLICT`.',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  const op: Record<string, unknown> = { tags: doc.tags, operationId: doc.operationId, summary: doc.summary };
  if (doc.description) op.description = doc.description;
  if (parameters.length > 0) op.parameters = parameters;
  if (doc.body) {
    const { mediaType = 'application/json', alsoMediaTypes = [], schema, description, example, examples } = doc.body;
    const content: Record<string, unknown> = {};
    if (schema) content.schema = schema;
    if (example !== undefined) content.example = example;
    if (examples) content.examples = examples;
    const media: Record<string, unknown> = { [mediaType]: content };
    for (const other of alsoMediaTypes) media[other] = {};
    op.requestBody = { required: true, ...(description ? { description } : {}), content: media };
  }
  if (access?.public) {
    op.security = [];
    op.responses = doc.responses;
  } else {
    op.security = [{ bearer: [] }];
    if (access) op['x-intake-scope'] = access.scope;
    op.responses = {
      ...doc.responses,
      '401': { $ref: '#/components/responses/Unauthorized' },
      '403': { $ref: '#/components/responses/Forbidden' },
      '429': { $ref: '#/components/responses/RateLimited' },
    };
  }
  return op;
}

/** Every controller of a module tree, read from Nest's module metadata without instantiating anything. */
export function controllersOf(root: Type | DynamicModule): Type[] {
  const seen = new Set<unknown>();
  const controllers: Type[] = [];
  const visit = (m: Type | DynamicModule | undefined): void => {
    if (!m || seen.has(m)) return;
    seen.add(m);
    const cls = 'module' in m ? m.module : m;
    const dynamic = 'module' in m ? m : undefined;
    controllers.push(...((Reflect.getMetadata('controllers', cls) as Type[] | undefined) ?? []), ...(dynamic?.controllers ?? []));
    for (const child of [...((Reflect.getMetadata('imports', cls) as unknown[] | undefined) ?? []), ...(dynamic?.imports ?? [])]) {
      visit(child as Type | DynamicModule);
    }
  };
  visit(root);
  return [...new Set(controllers)];
}

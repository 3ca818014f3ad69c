// One definition per route of what it takes and what it answers: `@ApiRoute(doc)` on
// a controller method carries the route's input schemas (path parameters, query,
// body) and its documentation (summary, description, tags, responses). Its schemas
// are compiled once, when the controller class is loaded; `@ValidParam`, `@ValidQuery`
// and `@ValidBody` hand the handler its inputs parsed by them (or a 400), and
// src/api-docs/ builds /openapi.json from the same objects, so the document cannot
// drift from what the server checks.

import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { JsonSchema, RequestSchema, compileRequestSchema } from './request-schema';

/** A path parameter: its route token (`:id`) is the key in `ApiRouteDoc.params`. */
export interface ApiPathParam {
  /** Its name in the document's path template (`{collection_id}`). */
  name: string;
  /** The field an error about it names (`collection`). */
  field: string;
  description: string;
  schema: JsonSchema;
}

export interface ApiMediaExample {
  summary?: string;
  value: unknown;
}

export interface ApiContent {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, ApiMediaExample>;
}

export interface ApiBody {
  /** Defaults to application/json. A non-JSON body has no schema here; its handler reads it. */
  mediaType?: string;
  /** Further media types the route takes with the same description (e.g. application/x-ndjson). */
  alsoMediaTypes?: string[];
  schema?: JsonSchema;
  description?: string;
  example?: unknown;
  examples?: Record<string, ApiMediaExample>;
}

export type ApiResponse = { $ref: string } | { description: string; content?: Record<string, ApiContent>; headers?: Record<string, unknown> };

export interface ApiRouteDoc {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  params?: Record<string, ApiPathParam>;
  /** Request headers the route reads (documented only; its handler checks them). */
  headers?: Record<string, { description: string; required: boolean; schema: JsonSchema }>;
  /** An object schema of the query string; each property is documented as one query parameter. */
  query?: JsonSchema;
  body?: ApiBody;
  responses: Record<string, ApiResponse>;
}

export interface ApiRoute {
  readonly doc: ApiRouteDoc;
  readonly params: ReadonlyMap<string, RequestSchema<unknown>>;
  readonly query?: RequestSchema<unknown>;
  readonly body?: RequestSchema<unknown>;
}

const API_ROUTE = Symbol('intake.api-route');

export function ApiRoute(doc: ApiRouteDoc): MethodDecorator {
  const route: ApiRoute = {
    doc,
    params: new Map(Object.entries(doc.params ?? {}).map(([token, p]) => [token, compileRequestSchema(p.schema, p.field)])),
    query: doc.query && compileRequestSchema(doc.query),
    body: doc.body?.schema && compileRequestSchema(doc.body.schema),
  };
  return (_target, _key, descriptor) => {
    Reflect.defineMetadata(API_ROUTE, route, descriptor.value as object);
    return descriptor;
  };
}

/** The route definition of a controller method, if it has one. */
export function apiRouteOf(handler: object): ApiRoute | undefined {
  return Reflect.getMetadata(API_ROUTE, handler) as ApiRoute | undefined;
}

function routeOf(ctx: ExecutionContext): { route: ApiRoute; request: FastifyRequest } {
  const route = apiRouteOf(ctx.getHandler());
  // A programming error, not a client's: the handler asks for an input it never declared.
  if (!route) throw new Error(`${ctx.getClass().name}.${ctx.getHandler().name} uses a validated input but has no @ApiRoute`);
  return { route, request: ctx.switchToHttp().getRequest<FastifyRequest>() };
}

/** The JSON body, parsed by the route's body schema. */
export const ValidBody = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const { route, request } = routeOf(ctx);
  if (!route.body) throw new Error(`${ctx.getHandler().name}: @ValidBody without a body schema in its @ApiRoute`);
  return route.body.parse(request.body);
});

/** One path parameter (by its route token), parsed by its schema. */
export const ValidParam = createParamDecorator((token: string, ctx: ExecutionContext) => {
  const { route, request } = routeOf(ctx);
  const schema = route.params.get(token);
  if (!schema) throw new Error(`${ctx.getHandler().name}: @ValidParam('${token}') without a schema in its @ApiRoute`);
  return schema.parse((request.params as Record<string, unknown>)[token]);
});

/** The query string, parsed by the route's query schema. */
export const ValidQuery = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const { route, request } = routeOf(ctx);
  if (!route.query) throw new Error(`${ctx.getHandler().name}: @ValidQuery without a query schema in its @ApiRoute`);
  return route.query.parse(request.query ?? {});
});

/** Markdown of several lines, written one source line per line. */
export const md = (...lines: string[]): string => lines.join('\n');

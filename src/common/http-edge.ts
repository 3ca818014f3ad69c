// What the HTTP server does before a controller sees a request: which media types
// each route accepts and how their bodies are read, and how the router's own
// errors (bad URL, over-long parameter) are answered. Kept beside the exception
// filter so every answer, from here or from a controller, has the one error shape.
//
// Facts about Fastify 5 this relies on:
//  - content-type parsers run after routing, so a parser knows the route's URL pattern;
//  - a type with no parser is refused with 415 before the handler, but by fastify's
//    error object, so a catch-all parser refuses it here with the catalog's error;
//  - its default JSON parser refuses an empty body, which SDKs send on DELETE/GET with
//    `content-type: application/json`; ours reads an empty body as "no body";
//  - JSON.parse itself copes with deep nesting, but every recursive walk afterwards
//    (metadata serialisation, Nest's pipes) overflows the stack: depth is bounded here;
//  - `frameworkErrors` is the one hook for errors raised before routing (bad URL
//    encoding, a parameter over maxParamLength), which skip the error handler.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, Errors, UriTooLongError } from './errors';
import { errorResponse } from './http-exception.filter';

/** Nesting of objects/arrays in a JSON body. 64 covers any real document. */
export const JSON_DEPTH_MAX = 64;
/**
 * Longest route parameter, in raw URL characters: a 256-byte id percent-encodes to at
 * most 768 characters; the margin keeps a too-long id a 400 naming the id rule.
 */
export const ROUTE_PARAM_CHARS_MAX = 1_024;

export const JSON_MEDIA_TYPE = 'application/json';
export const BINARY_MEDIA_TYPE = 'application/octet-stream';
export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';

/** Routes whose body is a stream of application/octet-stream (no other route takes it). */
const BINARY_ROUTES = new Set(['/ingest/batch']);

/**
 * Routes whose JSON or NDJSON body reaches the controller as text, unparsed, because
 * the route answers bad input in its own shape (seed 003's `invalid_format`) and
 * counts its own bytes (a 400 over its size limit, not a 413).
 */
const TEXT_ROUTES = new Set<string>();

export function textBodyRoute(url: string): void {
  TEXT_ROUTES.add(url);
}

/** Routes (Fastify URL patterns) whose JSON body has a smaller limit than the server's; set by their modules. */
const ROUTE_BODY_BYTES_MAX = new Map<string, number>();

/** Gives a route's JSON body its own byte limit (a 413 beyond it), below the server-wide one. */
export function limitRouteBody(url: string, bytesMax: number): void {
  ROUTE_BODY_BYTES_MAX.set(url, bytesMax);
}

/** The characters that matter for nesting; everything else (numbers above all) is jumped over natively. */
const STRUCTURAL = /["{}[\]]/g;

/**
 * True when `text` nests objects/arrays deeper than `max`; strings are skipped. Runs on
 * every JSON body before it is parsed, so it jumps from one structural character to
 * the next with a native regex scan instead of visiting every character (a 1.3 MB
 * upsert body: ~0.3 ms instead of 3.4 ms).
 */
export function jsonNestingExceeds(text: string, max: number): boolean {
  let depth = 0;
  STRUCTURAL.lastIndex = 0;
  for (let m = STRUCTURAL.exec(text); m !== null; m = STRUCTURAL.exec(text)) {
    const c = text.charCodeAt(m.index);
    if (c === 0x22) {
      // A string: find its closing quote, one not escaped by an odd run of backslashes.
      let from = m.index + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) return false; // unterminated: the parser reports it
        let backslashes = 0;
        while (text.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
        from = q + 1;
        if (backslashes % 2 === 0) break;
      }
      STRUCTURAL.lastIndex = from;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else depth--;
  }
  return false;
}

function routeUrl(request: FastifyRequest): string {
  return request.routeOptions?.url ?? request.url.split('?')[0];
}

export function configureHttpEdge(fastify: FastifyInstance): void {
  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();

  fastify.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (BINARY_ROUTES.has(routeUrl(request))) return done(Errors.unsupportedMediaType(JSON_MEDIA_TYPE, [BINARY_MEDIA_TYPE]), undefined);
    if (TEXT_ROUTES.has(routeUrl(request))) return done(null, text);
    const bytesMax = ROUTE_BODY_BYTES_MAX.get(routeUrl(request));
    if (bytesMax !== undefined && text.length > bytesMax / 3) {
      const bytes = Buffer.byteLength(text);
      if (bytes > bytesMax) return done(Errors.payloadTooLarge('body', bytesMax, bytes), undefined);
    }
    if (text.trim() === '') return done(null, undefined);
    if (jsonNestingExceeds(text, JSON_DEPTH_MAX)) {
      return done(Errors.validation('body', `JSON may nest objects and arrays at most ${JSON_DEPTH_MAX} levels deep`), undefined);
    }
    jsonParser(request, text, (err: Error | null, value?: unknown) => {
      if (err) done(Errors.validation('body', `is not valid JSON: ${err.message}`), undefined);
      else done(null, value);
    });
  });

  // Binary ingest bodies (up to 1 GiB) reach the controller as a stream, never buffered whole.
  fastify.addContentTypeParser(BINARY_MEDIA_TYPE, (request, payload, done) => {
    if (!BINARY_ROUTES.has(routeUrl(request))) return done(Errors.unsupportedMediaType(BINARY_MEDIA_TYPE, [JSON_MEDIA_TYPE]), undefined);
    done(null, payload);
  });

  fastify.addContentTypeParser(NDJSON_MEDIA_TYPE, { parseAs: 'string' }, (request, body, done) => {
    if (!TEXT_ROUTES.has(routeUrl(request))) return done(Errors.unsupportedMediaType(NDJSON_MEDIA_TYPE, [expectedTypes(request)[0]]), undefined);
    done(null, body);
  });

  fastify.addContentTypeParser('*', (request, _payload, done) => {
    done(Errors.unsupportedMediaType(request.headers['content-type'], expectedTypes(request)), undefined);
  });
}

function expectedTypes(request: FastifyRequest): string[] {
  const url = routeUrl(request);
  if (BINARY_ROUTES.has(url)) return [BINARY_MEDIA_TYPE];
  if (TEXT_ROUTES.has(url)) return [JSON_MEDIA_TYPE, NDJSON_MEDIA_TYPE];
  return [JSON_MEDIA_TYPE];
}

/** Fastify's `frameworkErrors`: errors from before routing, answered in the catalog shape. */
export function answerFrameworkError(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void {
  let domain: DomainError;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    domain = new UriTooLongError(`a path parameter is longer than ${ROUTE_PARAM_CHARS_MAX} characters`);
  } else {
    domain = Errors.validation('url', `is not a valid URL: ${error.message}`);
  }
  const { status, body } = errorResponse(domain);
  request.log.debug({ err: error }, 'framework error');
  reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
}

// The one gate every route passes, as Fastify hooks rather than a Nest guard:
//   onRequest   who is calling (a live bearer token, else 401 with WWW-Authenticate),
//               may they (the route's scope and, for a resource named in the path or
//               the query, that resource, else 403), and are they within their rate
//               (else 429 with Retry-After and RateLimit-* headers);
//   preHandler  only for routes whose resource is named in the body, once it is parsed.
// Running before the body is read means a caller without a valid token learns nothing
// about the body (401 comes before 400/413/415) and a refused upload is not read; and a
// hook costs a fraction of Nest's guard machinery on every request (measured by
// `npm run bench`: the auth-on/auth-off rows). Either way nothing of a refused request
// reaches the log.
//
// The rules come from each controller method's @Public() / @Authorize() (access-rule.ts),
// keyed by method and Fastify URL pattern; a route with no rule is refused (fail closed).

import type { Type } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/config';
import { Errors } from '../common/errors';
import { controllerRoutes } from '../common/controller-routes';
import { AccessRule, accessRuleOf } from './access-rule';
import type { ApiToken } from './api-tokens.repository';
import { RequestRateLimiter } from './request-rate-limiter';
import { decide } from './scopes';
import { bearerSecret } from './token-secret';

export type AuthenticatedRequest = FastifyRequest & { intakeToken?: ApiToken };

export interface TokenAuthenticator {
  /** From the cache without waiting, or undefined when the token must be read. */
  authenticateCached(secret: string): ApiToken | undefined;
  authenticate(secret: string): Promise<ApiToken>;
}

/** `GET /vectordb/collections/:id` → its rule, for every controller method of the app. */
export function accessRules(controllers: readonly Type[]): Map<string, AccessRule | undefined> {
  return new Map(controllerRoutes(controllers).map((r) => [`${r.method} ${r.url}`, accessRuleOf(r.handler, r.controller)]));
}

export function installAccessControl(
  fastify: FastifyInstance,
  rules: Map<string, AccessRule | undefined>,
  tokens: TokenAuthenticator,
  config: Pick<AppConfig, 'authEnabled' | 'rateLimit'>,
): void {
  if (!config.authEnabled) return;
  const limiter = new RequestRateLimiter(config.rateLimit);
  const ruleOf = (request: FastifyRequest): { known: boolean; rule?: AccessRule } => {
    const url = request.routeOptions?.url;
    if (url === undefined) return { known: false }; // no route: the 404 handler answers
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const key = `${method} ${url.length > 1 ? url.replace(/\/+$/, '') : url}`;
    return { known: rules.has(key), rule: rules.get(key) };
  };

  const admit = (request: AuthenticatedRequest, reply: FastifyReply, rule: Extract<AccessRule, { public: false }>, token: ApiToken): void => {
    if (!rule.resource || rule.resource.in !== 'body') check(token, rule, request);
    const rate = limiter.check(token, Number(request.headers['content-length'] ?? 0) || 0);
    if (!rate.ok) {
      // RateLimit-* go with the refusal only: on every answer they would cost each request bytes and a writev.
      for (const [name, value] of Object.entries(rate.headers)) reply.header(name, value);
      throw Errors.tooManyRequests(`token '${token.name}' is over its rate limit`, rate.retryAfterMs);
    }
    request.intakeToken = token;
  };

  // Callback-style hooks: a request whose token is cached passes without a promise or a tick.
  fastify.addHook('onRequest', (request: AuthenticatedRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    try {
      const { known, rule } = ruleOf(request);
      if (!known || rule?.public) return done();
      if (!rule) throw Errors.forbidden(`${request.method} ${request.routeOptions.url} states no access rule, so nobody may call it`);
      const bearer = bearerSecret(request.headers.authorization);
      if ('problem' in bearer) throw Errors.unauthorized(bearer.problem);
      const cached = tokens.authenticateCached(bearer.secret);
      if (cached) {
        admit(request, reply, rule, cached);
        return done();
      }
      tokens.authenticate(bearer.secret).then(
        (token) => {
          try {
            admit(request, reply, rule, token);
            done();
          } catch (err) {
            done(err as Error);
          }
        },
        (err: Error) => done(err),
      );
    } catch (err) {
      done(err as Error);
    }
  });

  fastify.addHook('preHandler', (request: AuthenticatedRequest, _reply: FastifyReply, done: (err?: Error) => void) => {
    try {
      const { rule } = ruleOf(request);
      if (rule && !rule.public && rule.resource?.in === 'body' && request.intakeToken) check(request.intakeToken, rule, request);
      done();
    } catch (err) {
      done(err as Error);
    }
  });
}

function check(token: ApiToken, rule: Extract<AccessRule, { public: false }>, request: FastifyRequest): void {
  const name = rule.resource ? locate(request, rule.resource.in, rule.resource.name) : undefined;
  const decision = decide(
    { scopes: token.scopes, resources: token.resources },
    { scope: rule.scope, resource: rule.resource && name !== undefined ? { kind: rule.resource.kind, name } : undefined },
  );
  if (!decision.allowed) throw Errors.forbidden(decision.why);
}

/** The resource name a request names, if it names one as a string (the route's own validation judges it otherwise). */
function locate(request: FastifyRequest, where: 'param' | 'query' | 'body' | 'header', name: string): string | undefined {
  if (where === 'header') {
    const value = request.headers[name];
    return typeof value === 'string' ? value : undefined;
  }
  const source = where === 'param' ? request.params : where === 'query' ? request.query : request.body;
  const value = source && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

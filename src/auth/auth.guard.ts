// The one gate every controller route passes: who is calling (a live bearer token,
// else 401 with WWW-Authenticate), may they (the route's scope and resource, else
// 403), and are they within their rate (else 429 with Retry-After and RateLimit-*
// headers). Runs before the handler, so a refused request appends nothing.

import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Errors } from '../common/errors';
import { ACCESS_RULE, AccessRule } from './access-rule';
import type { ApiToken } from './api-tokens.repository';
import { RequestRateLimiter } from './request-rate-limiter';
import { decide } from './scopes';
import { bearerSecret } from './token-secret';
import { TokensService } from './tokens.service';

export type AuthenticatedRequest = FastifyRequest & { intakeToken?: ApiToken };

@Injectable()
export class AuthGuard implements CanActivate {
  private readonly limiter: RequestRateLimiter;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
  ) {
    this.limiter = new RequestRateLimiter(config.rateLimit);
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [ctx.getHandler(), ctx.getClass()]);
    if (rule?.public) return true;
    if (!this.config.authEnabled) return true;
    if (!rule) throw Errors.forbidden(`${ctx.getClass().name}.${ctx.getHandler().name} states no access rule, so nobody may call it`);
    const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const bearer = bearerSecret(request.headers.authorization);
    if ('problem' in bearer) throw Errors.unauthorized(bearer.problem);
    const token = await this.tokens.authenticate(bearer.secret);
    const resourceName = rule.resource ? locate(request, rule.resource.in, rule.resource.name) : undefined;
    const decision = decide(
      { scopes: token.scopes, resources: token.resources },
      { scope: rule.scope, resource: rule.resource && resourceName !== undefined ? { kind: rule.resource.kind, name: resourceName } : undefined },
    );
    if (!decision.allowed) throw Errors.forbidden(decision.why);
    const rate = this.limiter.check(token, Number(request.headers['content-length'] ?? 0) || 0);
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    for (const [name, value] of Object.entries(rate.headers)) reply.header(name, value);
    if (!rate.ok) throw Errors.tooManyRequests(`token '${token.name}' is over its rate limit`, rate.retryAfterMs);
    request.intakeToken = token;
    return true;
  }
}

/** The resource name a request names, if it names one as a string (the route's own validation judges it otherwise). */
function locate(request: FastifyRequest, where: 'param' | 'query' | 'body', name: string): string | undefined {
  const source = where === 'param' ? request.params : where === 'query' ? request.query : request.body;
  const value = source && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

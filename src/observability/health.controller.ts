// GET /health: every contributed check, run in parallel through terminus. 200 with
// {status: 'ok', info, error, details} when all are up; 503 with the same body,
// status 'error', when any is down, or 'shutting_down' during shutdown, so a load
// balancer stops sending traffic before the node goes away.

import { Public } from '../auth/access-rule';
import { ApiRoute } from '../common/api-route';
import { ObservabilityApi } from './observability.api';
import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckResult, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { HealthContributor, HealthContributors } from './health-contributors';

/** A check slower than this counts as down: a probe must answer before the prober gives up. */
export const HEALTH_CHECK_TIMEOUT_MS = 3_000;

@Controller()
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly contributors: HealthContributors,
  ) {}

  @Get('health')
  @ApiRoute(ObservabilityApi.health)
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check(this.contributors.list().map((c) => () => this.run(c)));
    } catch (err) {
      // Terminus reports "down" by throwing a 503 that carries the full result; answer with that body as is.
      if (err instanceof ServiceUnavailableException) {
        reply.status(503);
        return err.getResponse() as HealthCheckResult;
      }
      throw err;
    }
  }

  private async run(contributor: HealthContributor): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(contributor.name);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_CHECK_TIMEOUT_MS} ms`)), HEALTH_CHECK_TIMEOUT_MS);
      });
      const outcome = await Promise.race([contributor.check(), timeout]);
      const { status: _ignored, ...details } = outcome.details ?? {};
      return outcome.status === 'up' ? session.up(details) : session.down(details);
    } catch (err) {
      return session.down({ message: err instanceof Error ? err.message : String(err) });
    } finally {
      clearTimeout(timer);
    }
  }
}

// GET /metrics: the Prometheus text exposition. Unauthenticated and read-only.

import { Public } from '../auth/access-rule';
import { ApiRoute } from '../common/api-route';
import { ObservabilityApi } from './observability.api';
import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MetricsService } from './metrics';

@Controller()
@Public()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @ApiRoute(ObservabilityApi.metrics)
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const { contentType, body } = await this.metrics.exposition();
    reply.header('content-type', contentType);
    return body;
  }
}

// HTTP edge of sinks (/v2/sinks, seed 002): parse by the route's schemas (sinks.api.ts), delegate.
import { Controller, Delete, Get, Headers, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import type { AuthenticatedRequest } from '../auth/access-control';
import { Authorize } from '../auth/access-rule';
import { decide } from '../auth/scopes';
import { Errors } from '../common/errors';
import { ApiRoute, ValidBody, ValidParam, ValidQuery } from '../common/api-route';
import { limitRouteBody } from '../common/http-edge';
import { Idempotent } from '../idempotency/idempotency';
import type { CreateSinkInput, ErrorsQuery, IngestInput, IngestQuery, MetricsQuery, ReplayInput } from './dto/sink-requests';
import { SinkErrorsService } from './sink-errors.service';
import { SinksApi } from './sinks.api';
import { SinksService } from './sinks.service';

/** The sink a route acts on: its `:id`. */
const SINK = { kind: 'sinks', in: 'param', name: 'id' } as const;

@Controller('v2/sinks')
export class SinksController {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sinks: SinksService,
    private readonly errors: SinkErrorsService,
  ) {
    limitRouteBody('/v2/sinks/:id', config.sinkLimits.requestBytesMax);
  }

  @Post()
  @HttpCode(201)
  @Authorize('sinks:write', { kind: 'sinks', in: 'body', name: 'name' })
  @ApiRoute(SinksApi.create)
  create(@ValidBody() input: CreateSinkInput, @Req() request: AuthenticatedRequest) {
    // A sink writes its table: a token narrowed to named tables may point one only at those.
    const token = request.intakeToken;
    if (token) {
      const decision = decide({ scopes: token.scopes, resources: token.resources }, { scope: 'sinks:write', resource: { kind: 'tables', name: input.table } });
      if (!decision.allowed) throw Errors.forbidden(decision.why);
    }
    return this.sinks.create(input);
  }

  @Get()
  @Authorize('sinks:read')
  @ApiRoute(SinksApi.list)
  list() {
    return this.sinks.list();
  }

  @Get(':id')
  @Authorize('sinks:read', SINK)
  @ApiRoute(SinksApi.get)
  get(@ValidParam('id') id: string) {
    return this.sinks.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize('sinks:write', SINK)
  @ApiRoute(SinksApi.delete)
  async delete(@ValidParam('id') id: string): Promise<void> {
    await this.sinks.delete(id);
  }

  @Post(':id')
  @HttpCode(200)
  @Authorize('sinks:write', SINK)
  @Idempotent()
  @ApiRoute(SinksApi.ingest)
  ingest(@ValidParam('id') id: string, @ValidBody() input: IngestInput, @ValidQuery() query: IngestQuery, @Headers('content-length') contentLength?: string) {
    return this.sinks.ingest(id, input, query, Number(contentLength) || 0);
  }

  @Get(':id/errors')
  @Authorize('sinks:read', SINK)
  @ApiRoute(SinksApi.errors)
  listErrors(@ValidParam('id') id: string, @ValidQuery() query: ErrorsQuery) {
    return this.errors.list(id, query);
  }

  @Post(':id/errors/replay')
  @HttpCode(200)
  @Authorize('sinks:write', SINK)
  @ApiRoute(SinksApi.replay)
  replay(@ValidParam('id') id: string, @ValidBody() input: ReplayInput) {
    return this.errors.replay(id, input);
  }

  @Get(':id/metrics')
  @Authorize('sinks:read', SINK)
  @ApiRoute(SinksApi.metrics)
  metrics(@ValidParam('id') id: string, @ValidQuery() query: MetricsQuery) {
    return this.errors.metricsOf(id, query);
  }
}

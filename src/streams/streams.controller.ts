// HTTP edge of streams (/v1/streams, seed 003): parse by the route's schemas (streams.api.ts), delegate.
import { Body, Controller, Delete, Get, Headers, HttpCode, Post, Put } from '@nestjs/common';
import { Authorize } from '../auth/access-rule';
import { ApiRoute, ValidBody, ValidParam, ValidQuery } from '../common/api-route';
import { NDJSON_MEDIA_TYPE, textBodyRoute } from '../common/http-edge';
import { StreamInsightsService } from './stream-insights.service';
import { StreamsApi } from './streams.api';
import { StreamInput, StreamsService } from './streams.service';

const STREAM = { kind: 'streams', in: 'param', name: 'id' } as const;

@Controller('v1/streams')
export class StreamsController {
  constructor(
    private readonly streams: StreamsService,
    private readonly insights: StreamInsightsService,
  ) {
    textBodyRoute('/v1/streams/ingest');
  }

  @Post('ingest')
  @HttpCode(200)
  @Authorize('streams:ingest', { kind: 'streams', in: 'header', name: 'x-stream-id' })
  @ApiRoute(StreamsApi.ingest)
  ingest(@Headers('x-stream-id') streamId: string | undefined, @Headers('content-type') contentType: string | undefined, @Body() body: string | undefined, @ValidQuery() query: { partial?: 'true' | 'false' }) {
    const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase() === NDJSON_MEDIA_TYPE ? 'ndjson' : 'json';
    return this.streams.ingest(streamId, mediaType, body, query.partial === 'true');
  }

  @Post()
  @HttpCode(201)
  @Authorize('streams:write')
  @ApiRoute(StreamsApi.create)
  create(@ValidBody() input: StreamInput) {
    return this.streams.create(input);
  }

  @Get()
  @Authorize('streams:read')
  @ApiRoute(StreamsApi.list)
  list() {
    return this.streams.list();
  }

  @Get(':id')
  @Authorize('streams:read', STREAM)
  @ApiRoute(StreamsApi.get)
  get(@ValidParam('id') id: string) {
    return this.streams.get(id);
  }

  @Put(':id')
  @Authorize('streams:write', STREAM)
  @ApiRoute(StreamsApi.update)
  update(@ValidParam('id') id: string, @ValidBody() input: StreamInput) {
    return this.streams.update(id, input);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authorize('streams:write', STREAM)
  @ApiRoute(StreamsApi.delete)
  async delete(@ValidParam('id') id: string): Promise<void> {
    await this.streams.delete(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @Authorize('streams:read', STREAM)
  @ApiRoute(StreamsApi.test)
  test(@ValidParam('id') id: string, @ValidBody() input: { events: unknown[] }) {
    return this.insights.test(id, input.events);
  }

  @Get(':id/metrics')
  @Authorize('streams:read', STREAM)
  @ApiRoute(StreamsApi.metrics)
  metrics(@ValidParam('id') id: string, @ValidQuery() q: { minutes?: string }) {
    return this.insights.metricsOf(id, q.minutes);
  }

  @Get(':id/errors')
  @Authorize('streams:read', STREAM)
  @ApiRoute(StreamsApi.errors)
  errors(@ValidParam('id') id: string, @ValidQuery() q: { limit?: string; before?: string }) {
    return this.insights.errors(id, q.limit, q.before);
  }
}

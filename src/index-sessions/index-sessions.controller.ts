// HTTP edge of seed 001: the paths, bodies and status codes as written there; inputs
// parsed by their schemas (index-sessions.api.ts), then delegated.
import { Body, Controller, Get, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiRoute, ValidBody, ValidQuery } from '../common/api-route';
import { Errors } from '../common/errors';
import { BINARY_MEDIA_TYPE } from '../common/http-edge';
import type { FinalizeInput, IndexNameQuery, IngestInput, InitInput } from './dto/session-requests';
import { IndexSessionsApi } from './index-sessions.api';
import { IndexSessionsService } from './index-sessions.service';

@Controller()
export class IndexSessionsController {
  constructor(private readonly sessions: IndexSessionsService) {}

  @Post('init')
  @HttpCode(200)
  @ApiRoute(IndexSessionsApi.init)
  init(@ValidBody() input: InitInput) {
    return this.sessions.init(input);
  }

  @Post('ingest')
  @HttpCode(200)
  @ApiRoute(IndexSessionsApi.ingest)
  ingest(@ValidBody() input: IngestInput) {
    return this.sessions.ingest(input);
  }

  /** The body arrives as a stream (see src/common/http-edge.ts), never buffered whole. */
  @Post('ingest/batch')
  @HttpCode(200)
  @ApiRoute(IndexSessionsApi.ingestBatch)
  ingestBatch(@ValidQuery() query: IndexNameQuery, @Body() body: unknown, @Headers('content-type') contentType?: string) {
    if (!body || typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] !== 'function') {
      throw Errors.unsupportedMediaType(contentType ?? '(none)', [BINARY_MEDIA_TYPE]);
    }
    return this.sessions.ingestBatch(query.index_name, body as AsyncIterable<Buffer>);
  }

  @Post('finalize')
  @HttpCode(200)
  @ApiRoute(IndexSessionsApi.finalize)
  finalize(@ValidBody() input: FinalizeInput) {
    return this.sessions.finalize(input);
  }

  @Get('ingest/status')
  @ApiRoute(IndexSessionsApi.status)
  status(@ValidQuery() query: IndexNameQuery) {
    return this.sessions.status(query.index_name);
  }
}

// HTTP edge of seed 001: the paths, bodies and status codes as written there.
import { Body, Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import { Errors } from '../common/errors';
import { BINARY_MEDIA_TYPE } from '../common/http-edge';
import { IndexSessionsService } from './index-sessions.service';

@Controller()
export class IndexSessionsController {
  constructor(private readonly sessions: IndexSessionsService) {}

  @Post('init')
  @HttpCode(200)
  init(@Body() body: unknown) {
    return this.sessions.init(body);
  }

  @Post('ingest')
  @HttpCode(200)
  ingest(@Body() body: unknown) {
    return this.sessions.ingest(body);
  }

  /** The body arrives as a stream (see bootstrap's octet-stream parser), never buffered whole. */
  @Post('ingest/batch')
  @HttpCode(200)
  ingestBatch(@Query('index_name') indexName: unknown, @Body() body: unknown, @Headers('content-type') contentType?: string) {
    if (!body || typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] !== 'function') {
      throw Errors.unsupportedMediaType(contentType ?? '(none)', [BINARY_MEDIA_TYPE]);
    }
    return this.sessions.ingestBatch(indexName, body as AsyncIterable<Buffer>);
  }

  @Post('finalize')
  @HttpCode(200)
  finalize(@Body() body: unknown) {
    return this.sessions.finalize(body);
  }

  @Get('ingest/status')
  status(@Query('index_name') indexName: unknown) {
    return this.sessions.status(indexName);
  }
}

// HTTP edge of seed 001: the paths, bodies and status codes as written there; inputs
// parsed by their schemas (index-sessions.api.ts), then delegated.
import { Body, Controller, Get, Headers, HttpCode, Post } from '@nestjs/common';
import { Authorize } from '../auth/access-rule';
import { Idempotent } from '../idempotency/idempotency';
import { ApiRoute, ValidBody, ValidQuery } from '../common/api-route';
import { Errors } from '../common/errors';
import { BINARY_MEDIA_TYPE } from '../common/http-edge';
import type { FinalizeInput, IndexNameQuery, IngestInput, InitInput } from './dto/session-requests';
import { IndexSessionsApi } from './index-sessions.api';
import { IndexSessionsService } from './index-sessions.service';

/** The index (a collection) a session route acts on, by where its name is. */
const INDEX_IN_BODY = { kind: 'collections', in: 'body', name: 'index_name' } as const;
const INDEX_IN_QUERY = { kind: 'collections', in: 'query', name: 'index_name' } as const;

@Controller()
export class IndexSessionsController {
  constructor(private readonly sessions: IndexSessionsService) {}

  @Post('init')
  @HttpCode(200)
  @Authorize('collections:write', INDEX_IN_BODY)
  @Idempotent()
  @ApiRoute(IndexSessionsApi.init)
  init(@ValidBody() input: InitInput) {
    return this.sessions.init(input);
  }

  @Post('ingest')
  @HttpCode(200)
  @Authorize('collections:write', INDEX_IN_BODY)
  @Idempotent()
  @ApiRoute(IndexSessionsApi.ingest)
  ingest(@ValidBody() input: IngestInput) {
    return this.sessions.ingest(input);
  }

  /** The body arrives as a stream (see src/common/http-edge.ts), never buffered whole. */
  @Post('ingest/batch')
  @HttpCode(200)
  @Authorize('collections:write', INDEX_IN_QUERY)
  @ApiRoute(IndexSessionsApi.ingestBatch)
  ingestBatch(@ValidQuery() query: IndexNameQuery, @Body() body: unknown, @Headers('content-type') contentType?: string) {
    if (!body || typeof (body as AsyncIterable<Buffer>)[Symbol.asyncIterator] !== 'function') {
      throw Errors.unsupportedMediaType(contentType ?? '(none)', [BINARY_MEDIA_TYPE]);
    }
    return this.sessions.ingestBatch(query.index_name, body as AsyncIterable<Buffer>);
  }

  @Post('finalize')
  @HttpCode(200)
  @Authorize('collections:write', INDEX_IN_BODY)
  @Idempotent()
  @ApiRoute(IndexSessionsApi.finalize)
  finalize(@ValidBody() input: FinalizeInput) {
    return this.sessions.finalize(input);
  }

  @Get('ingest/status')
  @Authorize('collections:read', INDEX_IN_QUERY)
  @ApiRoute(IndexSessionsApi.status)
  status(@ValidQuery() query: IndexNameQuery) {
    return this.sessions.status(query.index_name);
  }
}

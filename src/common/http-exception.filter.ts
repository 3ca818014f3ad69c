// The one place where errors become HTTP responses. Every error body has the same
// shape, {"error": {"code", "message", "field"?, ...details}}, whether it came from
// a DomainError, from Nest/Fastify (bad JSON, body too large, unknown route), or
// from a bug; so clients branch on `code` and never on message text.

import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, INTERNAL_ERROR_CODE, InvalidFormatError, RateLimitedError, httpErrorCode } from './errors';

export interface ErrorBody {
  error: { code: string; message: string; field?: string; [detail: string]: unknown };
}

/** Keys a DomainError's details may not overwrite. */
const RESERVED_KEYS = new Set(['code', 'message', 'field']);

@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    // Only HTTP requests have a reply to write; elsewhere (none today) the error is only logged.
    if (host.getType() !== 'http') {
      this.logger.error(`unhandled ${host.getType()} error: ${(exception as Error)?.stack ?? String(exception)}`);
      return;
    }
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    try {
      const { status, body, headers } = errorResponse(exception);
      this.log(exception, status, request);
      if (reply.sent) {
        // The handler already answered (e.g. a stream that failed midway): nothing to send, so keep the error visible.
        this.logger.warn(`error after reply was sent for ${request.method} ${request.url}: ${String(exception)}`);
        return;
      }
      for (const [name, value] of Object.entries(headers)) reply.header(name, value);
      // An early answer to a streamed body that was not read to its end: the unread bytes
      // would be taken for the next request on this keep-alive connection, so close it.
      if (!request.raw.complete) reply.header('connection', 'close');
      reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
    } catch (err) {
      // Whatever goes wrong while answering must not take the process down.
      this.logger.error(`exception filter failed: ${(err as Error)?.stack ?? String(err)}`);
      try {
        if (!reply.sent) reply.status(500).send({ error: { code: INTERNAL_ERROR_CODE, message: 'internal error' } });
      } catch {
        // The connection is gone; there is nobody left to tell.
      }
    }
  }

  private log(exception: unknown, status: number, request: FastifyRequest): void {
    const where = `${request.method} ${request.url}`;
    if (clientWentAway(exception, request)) {
      // The client aborted its upload: its doing, not the server's.
      this.logger.debug?.(`${where}: client aborted the request`);
    } else if (exception instanceof DomainError) {
      if (status >= 500) this.logger.warn(`${where}: ${exception.code} ${exception.message}`);
    } else if (status >= 500) {
      this.logger.error(`${where}: ${(exception as Error)?.stack ?? String(exception)}`);
    }
  }
}

/** Status, body and headers for any error: the one place the error shape is made. */
export function errorResponse(exception: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (exception instanceof InvalidFormatError) {
    return { status: exception.status, body: { error: 'invalid_format', detail: exception.message } as unknown as ErrorBody, headers: {} };
  }
  if (exception instanceof DomainError) {
    const error: ErrorBody['error'] = { code: exception.code, message: exception.message };
    if (exception.field !== undefined) error.field = exception.field;
    for (const [k, v] of Object.entries(exception.details ?? {})) if (!RESERVED_KEYS.has(k)) error[k] = v;
    const headers: Record<string, string> = {};
    if (exception instanceof RateLimitedError) {
      Object.assign(headers, exception.rateLimitHeaders);
      headers['retry-after'] = String(Math.max(1, Math.ceil(exception.retryAfterMs / 1000)));
    }
    if (exception.status === 401) headers['www-authenticate'] = 'Bearer';
    return { status: exception.status, body: { error }, headers };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return { status, body: { error: { code: httpErrorCode(status), message: httpExceptionMessage(exception) } }, headers: {} };
  }
  // The detail stays in the log: an unexpected error's message may hold internals.
  return { status: 500, body: { error: { code: INTERNAL_ERROR_CODE, message: 'internal error' } }, headers: {} };
}

/** An upload the client aborted surfaces as Node's "aborted" error or a reset socket. */
function clientWentAway(exception: unknown, request: FastifyRequest): boolean {
  const code = (exception as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (exception as Error)?.message === 'aborted' || request.raw.destroyed;
}

/** Nest's response may be a string or {message: string | string[]}; flatten it to one line. */
function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const m = (response as { message: unknown }).message;
    if (Array.isArray(m)) return m.map(String).join('; ');
    if (typeof m === 'string') return m;
  }
  return exception.message;
}

// Intake's one logger: pino, Fastify's own, writing one JSON object per line (or a
// human-readable line when stdout is a terminal). Every HTTP request gets an id,
// taken from a sane incoming `x-request-id` or made here, returned in the
// `x-request-id` response header and carried by every line logged while the request
// is handled: Fastify's request logger binds it, and Nest's Logger calls (through
// PinoNestLogger) read it from the request's async context.

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyServerOptions, LogController as LogControllerType } from 'fastify';
import pino, { DestinationStream, Logger } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const REQUEST_ID_HEADER = 'x-request-id';
/** An incoming id is kept only if it is this (it reaches the log and a response header). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Longest URL written to a request's log line; the rest is cut (a URL is user input). */
const LOGGED_URL_CHARS_MAX = 256;

// Fastify checks the controller with instanceof: take the class from the copy of Fastify
// that Nest's adapter loads, whichever that is.
const { LogController } = createRequire(require.resolve('@nestjs/platform-fastify'))('fastify') as { LogController: typeof LogControllerType };

const requestContext = new AsyncLocalStorage<{ reqId: string }>();

/** The id of the request being handled in this async context, if any. */
export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.reqId;
}

export function requestIdFrom(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** JSON lines to `destination` (default: stdout, human-readable when it is a terminal). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  // process.stdout rather than pino's own fd writer, so whatever watches process.stdout (a test's spy) sees the lines.
  const stream = destination ?? (process.stdout.isTTY ? prettyStream(process.stdout) : process.stdout);
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** Fastify's options for the logger and request ids (its own request logging is replaced by one line per response). */
export function fastifyLoggingOptions(logger: Logger): Pick<FastifyServerOptions, 'loggerInstance' | 'genReqId' | 'requestIdHeader' | 'logController'> {
  return {
    loggerInstance: logger,
    requestIdHeader: false,
    genReqId: (req) => requestIdFrom(req.headers[REQUEST_ID_HEADER]),
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
  };
}

/**
 * Returns the id in a response header, runs the rest of the request inside its
 * async context (so Nest's Logger lines carry it), and logs one line per response.
 */
export function installRequestLogging(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    requestContext.run({ reqId: request.id }, done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const url = request.url.length > LOGGED_URL_CHARS_MAX ? `${request.url.slice(0, LOGGED_URL_CHARS_MAX)}…` : request.url;
    request.log.info(
      { method: request.method, url, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request completed',
    );
    done();
  });
}

/** Nest's LoggerService over pino: `context` and the current request's id become fields. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  // Nest passes (message, context) or, for errors, (message, stack, context): the last string is the context.
  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const strings = rest.filter((r): r is string => typeof r === 'string');
    const context = strings.length > 0 ? strings[strings.length - 1] : undefined;
    const stack = level === 'error' && strings.length > 1 ? strings[0] : undefined;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    const reqId = currentRequestId();
    if (reqId !== undefined) fields.reqId = reqId;
    if (stack !== undefined) fields.stack = stack;
    if (message instanceof Error) this.logger[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'string') this.logger[level](fields, message);
    else this.logger[level]({ ...fields, value: message }, typeof message);
  }
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const LEVEL_COLORS: Record<number, string> = { 20: '\x1b[90m', 30: '\x1b[32m', 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[35m' };

/** For a terminal: `12:00:01.234 INFO  [Context] message reqId=… key=value`, control characters escaped. */
export function prettyStream(out: NodeJS.WritableStream, color = true): DestinationStream {
  return {
    write(line: string) {
      let o: Record<string, unknown>;
      try {
        o = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      const { time, level, msg, context, pid: _pid, ...rest } = o;
      const n = typeof level === 'number' ? level : Number(pino.levels.values[String(level)] ?? 30);
      const name = LEVEL_NAMES[n] ?? String(level);
      const clock = typeof time === 'string' ? time.slice(11, 23) : new Date().toISOString().slice(11, 23);
      const fields = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'string' && /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`)
        .join(' ');
      const text = `${clock} ${color ? (LEVEL_COLORS[n] ?? '') + name + '\x1b[0m' : name} ${context ? `[${String(context)}] ` : ''}${escapeControls(String(msg ?? ''))}${fields ? ' ' + fields : ''}\n`;
      out.write(text);
    },
  };
}

function escapeControls(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

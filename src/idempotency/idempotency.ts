// Idempotency-Key on write routes (Stripe's contract): a route marked @Idempotent()
// that receives `Idempotency-Key: <key>` answers a retry of the same request (same
// token, method, URL and body) with the first answer, without running again; the
// same key with another request is a 409. Keys live KEY_TTL_MS (24 h).
//   1. claim the key: INSERT a row with status NULL (ON CONFLICT DO NOTHING);
//   2. if the key was taken: same request hash and an answer stored → replay it
//      (`Idempotent-Replayed: true`); another hash → 409; no answer yet (the first
//      request is still running) → 409, retry later;
//   3. run the handler; store its answer (2xx only). A handler that throws releases
//      the claim, so a retry after an error runs again (nothing was accepted).
// Expired keys are replaced when met and deleted by a sweep every SWEEP_INTERVAL_MS;
// a claim abandoned by a node that died is taken over after CLAIM_ABANDONED_MS.

import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor, OnModuleDestroy, OnModuleInit, SetMetadata, UseInterceptors, applyDecorators } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable, from, lastValueFrom } from 'rxjs';
import { DataSource } from 'typeorm';
import { ConflictError, Errors } from '../common/errors';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
export const KEY_TTL_MS = 24 * 3_600_000;
export const SWEEP_INTERVAL_MS = 10 * 60_000;
/**
 * A claim with no answer after this long belongs to a request whose node died (a
 * SIGKILL between claiming and answering): a retry may take it over. Longer than any
 * request may run (INTAKE_APPLY_TIMEOUT_MS is at most 600 s).
 */
export const CLAIM_ABANDONED_MS = 15 * 60_000;
/** Printable ASCII, 1–255 characters (Stripe allows 255). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export const IDEMPOTENT = 'intake.idempotent';
/**
 * Marks a route and binds the interceptor to it alone: an app-wide interceptor would put
 * an rxjs pipeline and AsyncResource.bind on every request of every route (measured:
 * about a fifth of search QPS), for the few routes that take an Idempotency-Key.
 */
export const Idempotent = (): MethodDecorator => applyDecorators(SetMetadata(IDEMPOTENT, true), UseInterceptors(IdempotencyInterceptor));

interface KeyRow {
  request_sha256: Buffer;
  status: number | null;
  response: unknown;
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Idempotency');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly reflector: Reflector,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      const [, count] = (await this.dataSource.query(`DELETE FROM idempotency_keys WHERE expires_at < now()`)) as [unknown, number];
      return count ?? 0;
    } catch (err) {
      this.logger.warn(`sweep failed: ${(err as Error).message}`);
      return 0;
    }
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (ctx.getType() !== 'http' || !this.reflector.get<boolean>(IDEMPOTENT, ctx.getHandler())) return next.handle();
    const request = ctx.switchToHttp().getRequest<FastifyRequest & { intakeToken?: { id: string } }>();
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) return next.handle();
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!KEY_PATTERN.test(key)) throw Errors.validation('Idempotency-Key', 'must be 1 to 255 printable ASCII characters');
    const scope = `${request.intakeToken?.id ?? 'anonymous'} ${request.method} ${request.url.split('?')[0]}`;
    const hash = createHash('sha256').update(request.url).update('\n').update(JSON.stringify(request.body ?? null)).digest();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const status = (this.reflector.get<number>(HTTP_CODE_METADATA, ctx.getHandler()) ?? (request.method === 'POST' ? 201 : 200)) as number;
    return from(this.run(scope, key, hash, reply, status, () => lastValueFrom(next.handle())));
  }

  private async run(scope: string, key: string, hash: Buffer, reply: FastifyReply, status: number, handle: () => Promise<unknown>): Promise<unknown> {
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (scope, key, request_sha256, expires_at) VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond')
       ON CONFLICT (scope, key) DO UPDATE SET request_sha256 = EXCLUDED.request_sha256, status = NULL, response = NULL, expires_at = EXCLUDED.expires_at, created_at = now()
         WHERE idempotency_keys.expires_at < now()
            OR (idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - $5 * interval '1 millisecond')
       RETURNING 1`,
      [scope, key, hash, KEY_TTL_MS, CLAIM_ABANDONED_MS],
    );
    if (claimed.length === 0) {
      const [row] = (await this.dataSource.query(`SELECT request_sha256, status, response FROM idempotency_keys WHERE scope = $1 AND key = $2`, [scope, key])) as KeyRow[];
      if (!row) throw keyConflict(key, 'its first request was just released; retry');
      if (!row.request_sha256.equals(hash)) throw keyConflict(key, 'it was used with a different request');
      if (row.status === null) throw keyConflict(key, 'its first request is still being answered; retry later');
      reply.header(REPLAYED_HEADER, 'true');
      reply.status(row.status);
      return row.response;
    }
    let response: unknown;
    try {
      response = await handle();
    } catch (err) {
      await this.dataSource.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status IS NULL`, [scope, key]).catch(() => undefined);
      throw err;
    }
    await this.dataSource.query(`UPDATE idempotency_keys SET status = $3, response = $4::jsonb WHERE scope = $1 AND key = $2`, [scope, key, status, JSON.stringify(response ?? null)]);
    return response;
  }
}

function keyConflict(key: string, why: string): InstanceType<typeof ConflictError> {
  return new ConflictError(`Idempotency-Key '${key.slice(0, 64)}': ${why}`, { field: 'Idempotency-Key', details: { kind: 'idempotency_key' } });
}

import { Global, Module } from '@nestjs/common';
import { IdempotencyInterceptor } from './idempotency';

/**
 * Idempotency-Key on the routes marked @Idempotent(), which binds the interceptor to
 * each such route (not app-wide); this module provides the one instance they share.
 */
@Global()
@Module({ providers: [IdempotencyInterceptor], exports: [IdempotencyInterceptor] })
export class IdempotencyModule {}

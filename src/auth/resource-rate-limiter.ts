// Rate limits set on a resource (a stream, a sink) rather than on a token: token
// buckets on requests/s and request bytes/s, kept per node like the token limits
// (request-rate-limiter.ts), checked by the resource's service before anything is
// appended. 429 with Retry-After and RateLimit-* of the bucket that refused.

import { Errors } from '../common/errors';
import { TokenBuckets } from './token-bucket';

export interface ResourceRateLimit {
  requests_per_second?: number;
  bytes_per_second?: number;
}

/** The request schema of a resource's `rate_limit`. */
export const RESOURCE_RATE_LIMIT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    requests_per_second: { type: 'number', exclusiveMinimum: 0, maximum: 1e9 },
    bytes_per_second: { type: 'number', exclusiveMinimum: 0, maximum: 1e15 },
  },
} as const;

export class ResourceRateLimiter {
  private readonly buckets = new TokenBuckets();

  /** Throws the 429 when `kind` `name` (keyed by `id`) is over its limit; a null limit passes. */
  check(kind: string, id: string, name: string, limit: ResourceRateLimit | null | undefined, bytes: number, nowMs = Date.now()): void {
    if (!limit) return;
    const checks: [string, number | undefined, number][] = [
      [`r:${kind}:${id}`, limit.requests_per_second, 1],
      [`b:${kind}:${id}`, limit.bytes_per_second, bytes],
    ];
    for (const [key, rate, cost] of checks) {
      if (rate === undefined || cost === 0) continue;
      const burst = Math.max(1, rate);
      // A request larger than a whole second's bytes waits for a full bucket rather than never passing.
      const taken = this.buckets.take(key, { ratePerSecond: rate, burst }, Math.min(cost, burst), nowMs);
      if (!taken.ok) {
        throw Errors.tooManyRequests(`${kind} '${name}' is over its rate limit`, taken.retryAfterMs, {
          'ratelimit-limit': String(taken.limit),
          'ratelimit-remaining': String(taken.remaining),
          'ratelimit-reset': String(taken.resetSeconds),
        });
      }
    }
  }
}

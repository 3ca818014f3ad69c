// Per-token rate limits on requests/s and request bytes/s: the token's own
// rate_limit, or the defaults from config. Checked before the handler runs, so
// nothing of a refused request is appended to the log. Each node keeps its own
// buckets: in cluster mode every node enforces the limit on what it receives.

import type { ApiToken } from './api-tokens.repository';
import { TakeResult, TokenBuckets } from './token-bucket';

export interface RateDecision {
  ok: boolean;
  retryAfterMs: number;
  /** RateLimit-Limit / -Remaining / -Reset of the tighter of the two buckets. */
  headers: Record<string, string>;
}

export class RequestRateLimiter {
  private readonly buckets = new TokenBuckets();

  constructor(private readonly defaults: { requestsPerSecond: number; bytesPerSecond: number }) {}

  check(token: ApiToken, requestBytes: number, nowMs = Date.now()): RateDecision {
    const rps = token.rateLimit?.requests_per_second ?? this.defaults.requestsPerSecond;
    const bps = token.rateLimit?.bytes_per_second ?? this.defaults.bytesPerSecond;
    const requests = this.buckets.take(`r:${token.id}`, { ratePerSecond: rps, burst: Math.max(1, rps) }, 1, nowMs);
    let bytes: TakeResult | null = null;
    if (requests.ok && requestBytes > 0) bytes = this.buckets.take(`b:${token.id}`, { ratePerSecond: bps, burst: bps }, requestBytes, nowMs);
    const refused = !requests.ok ? requests : bytes && !bytes.ok ? bytes : null;
    const shown = refused ?? requests;
    return {
      ok: refused === null,
      retryAfterMs: refused?.retryAfterMs ?? 0,
      headers: {
        'ratelimit-limit': String(shown.limit),
        'ratelimit-remaining': String(shown.remaining),
        'ratelimit-reset': String(shown.resetSeconds),
      },
    };
  }
}

// Rate limits set on a stream or a sink: a burst of one second's worth passes,
// the next request is refused with how long to wait and the RateLimit-* headers,
// and the bucket refills with time. Bytes count too; a resource without a limit passes.
import { RateLimitedError } from '../../src/common/errors';
import { ResourceRateLimiter } from '../../src/auth/resource-rate-limiter';

describe('ResourceRateLimiter', () => {
  it('lets a second of requests through, refuses the next with Retry-After and RateLimit-*, and refills', () => {
    const limiter = new ResourceRateLimiter();
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) limiter.check('stream', 's1', 'payments', { requests_per_second: 5 }, 10, t0);
    let refused: RateLimitedError | null = null;
    try {
      limiter.check('stream', 's1', 'payments', { requests_per_second: 5 }, 10, t0);
    } catch (err) {
      refused = err as RateLimitedError;
    }
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused!.message).toBe("stream 'payments' is over its rate limit");
    expect(refused!.retryAfterMs).toBeGreaterThan(0);
    expect(refused!.retryAfterMs).toBeLessThanOrEqual(200);
    expect(refused!.rateLimitHeaders['ratelimit-limit']).toBe('5');
    expect(refused!.rateLimitHeaders['ratelimit-remaining']).toBe('0');
    expect(() => limiter.check('stream', 's1', 'payments', { requests_per_second: 5 }, 10, t0 + 250)).not.toThrow();
    // Another stream has its own bucket; no limit, no bucket.
    expect(() => limiter.check('stream', 's2', 'other', { requests_per_second: 5 }, 10, t0)).not.toThrow();
    expect(() => limiter.check('sink', 's3', 'open', null, 10, t0)).not.toThrow();
  });

  it('counts request bytes against bytes_per_second', () => {
    const limiter = new ResourceRateLimiter();
    limiter.check('sink', 'k', 'orders', { bytes_per_second: 1_000 }, 600, 0);
    expect(() => limiter.check('sink', 'k', 'orders', { bytes_per_second: 1_000 }, 600, 0)).toThrow(RateLimitedError);
    expect(() => limiter.check('sink', 'k', 'orders', { bytes_per_second: 1_000 }, 600, 1_000)).not.toThrow();
  });
});

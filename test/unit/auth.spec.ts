import { decide } from '../../src/auth/scopes';
import { TokenBuckets } from '../../src/auth/token-bucket';
import { bearerSecret, generateTokenSecret, hashTokenSecret, isWellFormedToken, sameHash, tokenHint } from '../../src/auth/token-secret';

describe('token secrets', () => {
  it('are intake_ + 43 base62 characters, distinct, and stored only as a 32-byte hash', () => {
    const a = generateTokenSecret();
    const b = generateTokenSecret();
    expect(a).toMatch(/^intake_[0-9A-Za-z]{43}$/);
    expect(isWellFormedToken(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(hashTokenSecret(a)).toHaveLength(32);
    expect(sameHash(hashTokenSecret(a), hashTokenSecret(a))).toBe(true);
    expect(sameHash(hashTokenSecret(a), hashTokenSecret(b))).toBe(false);
    expect(tokenHint(a)).toBe(`${a.slice(0, 11)}…`);
  });

  it('reads "Authorization: Bearer <token>" and says what is wrong otherwise', () => {
    const t = generateTokenSecret();
    expect(bearerSecret(`Bearer ${t}`)).toEqual({ secret: t });
    expect(bearerSecret(`bearer ${t}`)).toEqual({ secret: t });
    expect(bearerSecret(undefined)).toEqual({ problem: 'the Authorization header is missing' });
    expect(bearerSecret(`Basic ${t}`)).toEqual({ problem: 'the Authorization header is not "Bearer <token>"' });
    expect(bearerSecret('Bearer short')).toEqual({ problem: 'the bearer token is malformed' });
  });
});

describe('scopes', () => {
  const grant = (scopes: string[], resources: Record<string, string[]> | null = null) => ({ scopes, resources }) as Parameters<typeof decide>[0];

  it('admin may do everything; read reads every surface; write includes read of its surface only', () => {
    expect(decide(grant(['admin']), { scope: 'sinks:write' })).toEqual({ allowed: true });
    expect(decide(grant(['read']), { scope: 'collections:read' })).toEqual({ allowed: true });
    expect(decide(grant(['read']), { scope: 'collections:write' })).toMatchObject({ allowed: false, why: expect.stringMatching(/collections:write/) });
    expect(decide(grant(['collections:write']), { scope: 'collections:read' })).toEqual({ allowed: true });
    expect(decide(grant(['collections:write']), { scope: 'sinks:read' }).allowed).toBe(false);
    expect(decide(grant(['streams:ingest']), { scope: 'streams:write' }).allowed).toBe(false);
  });

  it('a token narrowed to named resources may act on those only', () => {
    const g = grant(['collections:write'], { collections: ['docs'] });
    expect(decide(g, { scope: 'collections:write', resource: { kind: 'collections', name: 'docs' } })).toEqual({ allowed: true });
    expect(decide(g, { scope: 'collections:write', resource: { kind: 'collections', name: 'other' } })).toMatchObject({
      allowed: false,
      why: "this token may not act on collections 'other'",
    });
    // Narrowing one kind leaves the others to the scopes.
    expect(decide(grant(['admin'], { collections: ['docs'] }), { scope: 'collections:write', resource: { kind: 'collections', name: 'x' } })).toEqual({ allowed: true });
  });
});

describe('token buckets', () => {
  it('lets a burst through, refuses past it with the time until the next unit, and refills at the rate', () => {
    const b = new TokenBuckets();
    const limit = { ratePerSecond: 10, burst: 10 };
    for (let i = 0; i < 10; i++) expect(b.take('k', limit, 1, 0).ok).toBe(true);
    const refused = b.take('k', limit, 1, 0);
    expect(refused).toMatchObject({ ok: false, remaining: 0, limit: 10, retryAfterMs: 100 });
    expect(b.take('k', limit, 1, 100).ok).toBe(true);
    expect(b.take('k', limit, 1, 100).ok).toBe(false);
    expect(b.take('k', limit, 5, 1_000)).toMatchObject({ ok: true, remaining: 4 });
    // Another key has its own bucket.
    expect(b.take('other', limit, 1, 0).ok).toBe(true);
  });

  it('passes a request larger than the burst only from a full bucket', () => {
    const b = new TokenBuckets();
    const limit = { ratePerSecond: 100, burst: 100 };
    expect(b.take('big', limit, 250, 0).ok).toBe(true);
    expect(b.take('big', limit, 250, 500)).toMatchObject({ ok: false, retryAfterMs: 500 });
    expect(b.take('big', limit, 250, 1_000).ok).toBe(true);
  });
});

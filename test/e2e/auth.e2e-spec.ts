// API tokens on every route, over HTTP on a real broker and Postgres: the routes are
// walked from Fastify's route table (a route added later cannot escape), tokens
// expire and are revoked on every node within a second, secrets never show again,
// and a burst over a token's rate gets 429s while every 200 is in the log once.
import { Kafka, logLevel } from 'kafkajs';
import { TEST_ADMIN_TOKEN, TestApp, http, startApp, withTestApp } from '../support/app';
import { eventually } from '../support/broker';
import { routeTable } from '../support/routes';

jest.setTimeout(180_000);

/** Served to anybody: probes, the exposition, the API documents, the console's page (it holds no data). */
const PUBLIC = new Set(['GET /health', 'GET /metrics', 'GET /openapi.json', 'GET /docs', 'GET /console']);
/** A value for each route parameter, valid in shape, so only the token decides the answer. */
const PARAMS: Record<string, string> = { id: 'docs', vectorId: 'v1' };
const TOKEN_ID = '00000000-0000-4000-8000-000000000000';
const BINARY = Buffer.alloc(0);

describe('API tokens and access', () => {
  const t = withTestApp();
  let other: TestApp;
  const admin = (method: string, path: string, body?: unknown) => http(t.app.url, method, path, body);
  const createToken = async (body: Record<string, unknown>) => {
    const r = await admin('POST', '/v1/tokens', body);
    expect(r.status).toBe(201);
    return r.body as { id: string; token: string };
  };

  beforeAll(async () => {
    expect((await admin('POST', '/vectordb/collections', { name: 'docs', dense_vector: { enabled: true, dimension: 4 }, shards: 2 })).status).toBe(201);
    expect((await admin('POST', '/vectordb/collections', { name: 'other', dense_vector: { enabled: true, dimension: 4 } })).status).toBe(201);
    other = await startApp(t.infra, undefined, { INTAKE_NODE_ID: 'node-1' });
    t.onTeardown(() => other.close());
  });

  it('refuses every non-public route without a token (401), with a revoked one (401) and without the scope (403)', async () => {
    const routes = routeTable(t.app.app.getHttpAdapter().getInstance()).filter((r) => !PUBLIC.has(r));
    expect(routes.length).toBeGreaterThanOrEqual(16);
    expect(routes).toEqual(expect.arrayContaining(['POST /v1/tokens', 'POST /vectordb/collections/:id/streaming/upsert', 'POST /ingest/batch']));
    const revoked = await createToken({ name: 'to-revoke', scopes: ['admin'] });
    expect((await http(t.app.url, 'DELETE', `/v1/tokens/${revoked.id}`)).status).toBe(204);
    // A token whose one scope the route does not take: streams:ingest, or for the one route that takes it, tasks:read.
    const weak = await createToken({ name: 'weak', scopes: ['streams:ingest'] });
    const weakForIngest = await createToken({ name: 'weak-ingest', scopes: ['tasks:read'] });
    for (const route of routes) {
      const [method, pattern] = route.split(' ');
      const path = pattern.replace(/:(\w+)/g, (_, p: string) => (pattern.startsWith('/v1/tokens') ? TOKEN_ID : (PARAMS[p] ?? 'x')));
      // The body the route takes (the binary batch route takes octet-stream), so only the token decides.
      const body = method === 'GET' || method === 'DELETE' ? undefined : pattern === '/ingest/batch' ? BINARY : {};
      const none = await http(t.app.url, method, path, body, null);
      expect({ route, status: none.status, code: none.body?.error?.code }).toEqual({ route, status: 401, code: 'INTAKE_UNAUTHORIZED' });
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const gone = await http(t.app.url, method, path, body, revoked.token);
      expect({ route, status: gone.status, message: gone.body.error.message }).toEqual({ route, status: 401, message: 'the bearer token was revoked' });
      const lacking = await http(t.app.url, method, path, body, route === 'POST /v1/streams/ingest' ? weakForIngest.token : weak.token);
      expect({ route, status: lacking.status, code: lacking.body.error.code }).toEqual({ route, status: 403, code: 'INTAKE_FORBIDDEN' });
    }
    for (const route of PUBLIC) expect((await http(t.app.url, 'GET', route.split(' ')[1], undefined, null)).status).toBe(200);
    // The token is checked before the body is read: a caller without one learns nothing about its body.
    expect((await http(t.app.url, 'POST', '/ingest/batch?index_name=docs', { not: 'binary' }, null)).status).toBe(401);
    expect((await http(t.app.url, 'POST', '/vectordb/collections/docs/streaming/upsert', '{"broken', null)).status).toBe(401);
    // A malformed header says so.
    const malformed = await fetch(`${t.app.url}/vectordb/collections`, { headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toMatch(/not "Bearer <token>"/);
  });

  it('grants by scope and resource: read cannot write, a narrowed token acts on its collections only', async () => {
    const reader = await createToken({ name: 'reader', scopes: ['read'] });
    const vec = { vectors: [{ id: 'a', dense_values: [1, 0, 0, 0] }] };
    expect((await http(t.app.url, 'POST', '/vectordb/collections/docs/search/dense', { query_vector: [1, 0, 0, 0] }, reader.token)).status).toBe(200);
    expect((await http(t.app.url, 'POST', '/vectordb/collections/docs/streaming/upsert', vec, reader.token)).status).toBe(403);
    const narrowed = await createToken({ name: 'docs-writer', scopes: ['collections:write'], resources: { collections: ['docs'] } });
    expect((await http(t.app.url, 'POST', '/vectordb/collections/docs/streaming/upsert', vec, narrowed.token)).status).toBe(200);
    const refused = await http(t.app.url, 'POST', '/vectordb/collections/other/streaming/upsert', vec, narrowed.token);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe("this token may not act on collections 'other'");
    expect((await http(t.app.url, 'POST', '/init', { index_name: 'other', mode: 'build' }, narrowed.token)).status).toBe(403);
    expect((await http(t.app.url, 'GET', '/v1/tokens', undefined, narrowed.token)).status).toBe(403);
    // The admin token cannot be revoked through the API.
    const tokens = (await admin('GET', '/v1/tokens')).body.tokens as { id: string; admin: boolean }[];
    expect((await admin('DELETE', `/v1/tokens/${tokens.find((x) => x.admin)!.id}`)).status).toBe(409);
  });

  it('refuses an expired token, and a revocation on one node is seen by another within a second', async () => {
    const soon = await createToken({ name: 'short-lived', scopes: ['read'], expires_at: new Date(Date.now() + 1_500).toISOString() });
    expect((await http(t.app.url, 'GET', '/vectordb/collections', undefined, soon.token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_700));
    const expired = await http(t.app.url, 'GET', '/vectordb/collections', undefined, soon.token);
    expect({ status: expired.status, message: expired.body.error.message }).toEqual({ status: 401, message: 'the bearer token has expired' });

    const shared = await createToken({ name: 'shared', scopes: ['read'] });
    // Warm both nodes' caches, then revoke through the first: it refuses at once, the second within a second.
    expect((await http(other.url, 'GET', '/vectordb/collections', undefined, shared.token)).status).toBe(200);
    expect((await http(t.app.url, 'GET', '/vectordb/collections', undefined, shared.token)).status).toBe(200);
    expect((await admin('DELETE', `/v1/tokens/${shared.id}`)).status).toBe(204);
    const revokedAt = Date.now();
    expect((await http(t.app.url, 'GET', '/vectordb/collections', undefined, shared.token)).status).toBe(401);
    await eventually(async () => (await http(other.url, 'GET', '/vectordb/collections', undefined, shared.token)).status === 401, 5_000, 'node 2 to refuse');
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
  });

  it('never shows a secret again: not in GET, not in the logs', async () => {
    const written: string[] = [];
    const spies = [jest.spyOn(process.stdout, 'write'), jest.spyOn(process.stderr, 'write')].map((spy) =>
      spy.mockImplementation(((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      }) as never),
    );
    let created: { id: string; token: string };
    try {
      const node = await startApp(t.infra, undefined, { INTAKE_LOG_LEVEL: 'debug', INTAKE_NODE_ID: 'node-2' });
      try {
        const r = await http(node.url, 'POST', '/v1/tokens', { name: 'quiet', scopes: ['collections:write'] });
        created = r.body;
        expect(created.token).toMatch(/^intake_[0-9A-Za-z]{43}$/);
        await http(node.url, 'POST', '/vectordb/collections/docs/streaming/upsert', { vectors: [{ id: 'q', dense_values: [0, 1, 0, 0] }] }, created.token);
        await http(node.url, 'GET', '/nope', undefined, created.token);
        const one = await http(node.url, 'GET', `/v1/tokens/${created.id}`);
        const all = await http(node.url, 'GET', '/v1/tokens');
        for (const body of [JSON.stringify(one.body), JSON.stringify(all.body)]) {
          expect(body).not.toContain(created.token);
          expect(body).not.toContain(TEST_ADMIN_TOKEN);
        }
        expect(one.body).toMatchObject({ id: created.id, name: 'quiet', hint: created.token.slice(0, 11) + '…', scopes: ['collections:write'], revoked_at: null });
      } finally {
        await node.close();
      }
    } finally {
      for (const s of spies) s.mockRestore();
    }
    const log = written.join('');
    expect(log.length).toBeGreaterThan(0);
    expect(log).not.toContain(created!.token);
    expect(log).not.toContain(TEST_ADMIN_TOKEN);
  });

  it('answers a burst over a token rate with 429 (Retry-After, RateLimit-*), and every write answered 200 is in the log exactly once', async () => {
    const limited = await createToken({ name: 'limited', scopes: ['collections:write'], rate_limit: { requests_per_second: 5 } });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        http(t.app.url, 'POST', '/vectordb/collections/docs/streaming/upsert', { vectors: [{ id: `burst-${i}`, dense_values: [1, i + 1, 0, 0] }] }, limited.token).then((r) => Object.assign(r, { i })),
      ),
    );
    const ok = answers.filter((a) => a.status === 200).map((a) => `burst-${a.i}`);
    const limitedAnswers = answers.filter((a) => a.status === 429);
    expect(ok.length + limitedAnswers.length).toBe(30);
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(limitedAnswers.length).toBeGreaterThan(0);
    for (const a of limitedAnswers) {
      expect(a.body.error.code).toBe('INTAKE_RATE_LIMITED');
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(a.headers.get('ratelimit-limit')).toBe('5');
      expect(a.headers.get('ratelimit-remaining')).toBe('0');
      expect(Number(a.headers.get('ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    }
    // After the wait it says, the token passes again.
    await new Promise((r) => setTimeout(r, Number(limitedAnswers[0].headers.get('retry-after')) * 1_000));
    const later = await http(t.app.url, 'POST', '/vectordb/collections/docs/streaming/upsert', { vectors: [{ id: 'burst-later', dense_values: [0, 0, 1, 1] }] }, limited.token);
    expect(later.status).toBe(200);
    ok.push('burst-later');

    // The log holds each accepted write once and nothing of the refused ones.
    const kafka = new Kafka({ clientId: 'auth-test', brokers: [t.broker.address], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `auth-test-${Date.now()}` });
    const keys: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'intake.collection.docs', fromBeginning: true });
    const ends = await t.app.app.get((await import('../../src/log/log-client')).LogClient).endOffsets('intake.collection.docs');
    const total = [...ends.values()].reduce((a, b) => a + Number(b), 0);
    let seen = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen++;
        const key = message.key?.toString() ?? '';
        if (key.startsWith('burst-')) keys.push(key);
      },
    });
    await eventually(() => seen >= total, 30_000, 'the whole topic');
    await consumer.disconnect();
    expect(keys.sort()).toEqual([...ok].sort());
  });
});

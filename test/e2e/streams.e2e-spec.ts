// Streams (seed 003) end to end on a real broker and Postgres: every status and
// detail of the ingest endpoint, each processor and route on real events, a
// mask + filter + sample pipeline routed to a table and a topic (checked at both
// ends), a webhook that fails twice then succeeds, a destination down for a while
// that catches up, and a stream's own rate limit.
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { authHeader, http, startApp, withTestApp } from '../support/app';
import { eventually, kafkaClient } from '../support/broker';

jest.setTimeout(240_000);

const MB = 1024 * 1024;

interface Webhook {
  url: string;
  batches: { headers: IncomingMessage['headers']; lines: unknown[] }[];
  /** Answer with this status while > 0 requests remain to fail. */
  failNext: number;
  down: boolean;
  server: Server;
}

async function startWebhook(): Promise<Webhook> {
  const hook = { batches: [], failNext: 0, down: false } as unknown as Webhook;
  hook.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (hook.down || hook.failNext > 0) {
        if (hook.failNext > 0) hook.failNext--;
        res.statusCode = 503;
        res.end('try later');
        return;
      }
      const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
      hook.batches.push({ headers: req.headers, lines });
      res.statusCode = 200;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => hook.server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/hook`;
  return hook;
}

describe('streams', () => {
  const t = withTestApp({ db: true });
  const req = (method: string, p: string, body?: unknown, token?: string | null) => http(t.app.url, method, p, body, token);
  const ingest = async (streamId: string | null, body: string, contentType = 'application/json', query = '') => {
    const res = await fetch(`${t.app.url}/v1/streams/ingest${query}`, {
      method: 'POST',
      headers: { ...authHeader(), 'content-type': contentType, ...(streamId === null ? {} : { 'x-stream-id': streamId }) },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
  };
  const event = (over: Record<string, unknown> = {}, ev: Record<string, unknown> = {}) => ({
    timestamp: '2025-02-12T14:32:15Z',
    source: 'payments-app',
    event: { transactionId: 'txn_30921', status: 'approved', latency_ms: 182, amount: 499, currency: 'USD', ...ev },
    metadata: { env: 'prod', team: 'payments' },
    ...over,
  });
  const rows = async (table: string): Promise<Record<string, unknown>[]> => t.db.query(`SELECT * FROM intake_tables."${table}" ORDER BY 1`);

  let plain: string;

  beforeAll(async () => {
    const table = await req('POST', '/v2/tables', {
      name: 'payments',
      columns: [
        { name: 'txn', type: 'id' },
        { name: 'status', type: 'string' },
        { name: 'amount', type: 'int' },
        { name: 'card', type: 'string' },
        { name: 'level', type: 'string' },
      ],
    });
    expect(table.status).toBe(201);
    const s = await req('POST', '/v1/streams', {
      name: 'plain',
      destinations: [{ name: 'rows', type: 'table', table: 'payments', id_field: 'event.transactionId', fields: [{ column: 'status', path: 'event.status' }, { column: 'amount', path: 'event.amount' }] }],
    });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ name: 'plain', version: 1, partitions: 2 });
    expect(s.body.id).toMatch(/^[0-9a-f-]{36}$/);
    plain = s.body.id;
  });

  describe('POST /v1/streams/ingest (the seed)', () => {
    it('accepts the seed example with the seed answer, and it becomes a row', async () => {
      const body = JSON.stringify(event(), null, 2);
      const res = await ingest(plain, body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'accepted', ingested_bytes: Buffer.byteLength(body), stream_id: plain });
      await eventually(async () => (await rows('payments')).some((r) => r.txn === 'txn_30921'), 30_000, 'the row');
      expect((await rows('payments')).find((r) => r.txn === 'txn_30921')).toMatchObject({ status: 'approved', amount: '499' }); // int columns are bigint: pg answers text
    });

    it.each([
      ['invalid JSON', '{"source": "a", "event": {', /^Invalid JSON: /],
      ['a timestamp that is not ISO 8601', JSON.stringify(event({ timestamp: '12/02/2025 14:32' })), /^The 'timestamp' field must be a valid ISO 8601 string\.$/],
      ['an impossible date', JSON.stringify(event({ timestamp: '2025-02-30T10:00:00Z' })), /^The 'timestamp' field must be a valid ISO 8601 string\.$/],
      ['a missing source', JSON.stringify({ ...event(), source: undefined }), /^The 'source' field is required\.$/],
      ['a missing event', JSON.stringify({ ...event(), event: undefined }), /^The 'event' field is required\.$/],
      ['an event that is not an object', JSON.stringify(event({ event: 'text' })), /^The 'event' field must be a JSON object/],
    ])('answers 400 invalid_format for %s', async (_what, body, detail) => {
      const res = await ingest(plain, body);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('invalid_format');
      expect(res.body.detail).toMatch(detail);
      expect(Object.keys(res.body).sort()).toEqual(['detail', 'error']);
    });

    it('accepts exactly 1 MB and refuses 1 MB + 1 byte with 400', async () => {
      const base = JSON.stringify(event({}, { pad: '' }));
      const exact = base.replace('"pad":""', `"pad":"${'x'.repeat(MB - Buffer.byteLength(base))}"`);
      expect(Buffer.byteLength(exact)).toBe(MB);
      const ok = await ingest(plain, exact);
      expect(ok.status).toBe(200);
      expect(ok.body.ingested_bytes).toBe(MB);
      const over = exact.replace('"pad":"', '"pad":"x');
      const res = await ingest(plain, over);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_format', detail: `The payload exceeds the maximum size of 1 MB (${MB} bytes): it has ${MB + 1} bytes.` });
    });

    it('answers 400 without X-Stream-Id and 404 naming the header for an unknown one', async () => {
      const missing = await ingest(null, JSON.stringify(event()));
      expect(missing.status).toBe(400);
      expect(missing.body).toEqual({ error: 'invalid_format', detail: "The 'X-Stream-Id' header is required." });
      const unknown = await ingest('a0c3b4de-1923-4ff1-8dba-f92ad912d20f', JSON.stringify(event()));
      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toBe('invalid_format');
      expect(unknown.body.detail).toMatch(/X-Stream-Id/);
    });

    it('answers 401 with WWW-Authenticate without a token or with a bad one, and appends nothing', async () => {
      for (const headers of [{}, { authorization: 'Bearer intake_nope' }] as Record<string, string>[]) {
        const res = await fetch(`${t.app.url}/v1/streams/ingest`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json', 'x-stream-id': plain }, body: JSON.stringify(event()) });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    });

    it('takes NDJSON and JSON arrays as micro-batches: all or nothing, or ?partial=true', async () => {
      const good = (n: number) => JSON.stringify(event({}, { transactionId: `batch-${n}` }));
      const nd = [good(1), good(2), good(3)].join('\n') + '\n';
      const ok = await ingest(plain, nd, 'application/x-ndjson');
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ status: 'accepted', accepted: 3, rejected: [], stream_id: plain });
      const bad = [good(4), JSON.stringify(event({ timestamp: 'yesterday' }, { transactionId: 'batch-5' })), good(6)].join('\n');
      const refused = await ingest(plain, bad, 'application/x-ndjson');
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ error: 'invalid_format', detail: "events[1]: The 'timestamp' field must be a valid ISO 8601 string." });
      const partial = await ingest(plain, JSON.stringify([JSON.parse(good(7)), { source: 'x' }, JSON.parse(good(8))]), 'application/json', '?partial=true');
      expect(partial.status).toBe(200);
      expect(partial.body).toMatchObject({ accepted: 2, rejected: [{ index: 1, detail: "events[1]: The 'event' field is required." }] });
      await eventually(async () => {
        const ids = (await rows('payments')).map((r) => r.txn);
        return ['batch-1', 'batch-2', 'batch-3', 'batch-7', 'batch-8'].every((id) => ids.includes(id));
      }, 30_000, 'the batch rows');
      const ids = (await rows('payments')).map((r) => r.txn);
      expect(ids).not.toContain('batch-4');
      expect(ids).not.toContain('batch-6');
    });

    it('refuses another media type with 415', async () => {
      const res = await ingest(plain, 'source=x', 'text/plain');
      expect(res.status).toBe(415);
    });
  });

  describe('management', () => {
    it('refuses a definition that names a missing destination or an unsafe operator, naming the field', async () => {
      const base = { name: 'bad', destinations: [{ name: 'f', type: 'file' }] };
      const a = await req('POST', '/v1/streams', { ...base, routes: [{ to: ['nowhere'] }] });
      expect(a.status).toBe(400);
      expect(a.body.error).toMatchObject({ field: 'routes[0].to[0]' });
      const b = await req('POST', '/v1/streams', { ...base, pipeline: [{ type: 'filter', drop_when: { $where: 'this.a == 1' } }] });
      expect(b.status).toBe(400);
      expect(b.body.error.field).toBe('pipeline[0].drop_when');
      expect(b.body.error.message).toMatch(/\$where/);
      const c = await req('POST', '/v1/streams', { ...base, pipeline: [{ type: 'sample', rate: 0 }] });
      expect(c.status).toBe(400);
      expect(c.body.error.field).toBe('pipeline[0].rate');
      const d = await req('POST', '/v1/streams', { ...base, pipeline: [{ type: 'set', field: '__proto__.x', value: 1 }] });
      expect(d.status).toBe(400);
      expect(d.body.error.field).toBe('pipeline[0].field');
      expect((await req('POST', '/v1/streams', { name: 'plain', destinations: [{ name: 'f', type: 'file' }] })).status).toBe(409);
    });

    it('gets, lists, versions with PUT, deletes (then 404)', async () => {
      const created = await req('POST', '/v1/streams', { name: 'temp', destinations: [{ name: 'f', type: 'file' }] });
      expect(created.status).toBe(201);
      const id = created.body.id;
      expect((await req('GET', `/v1/streams/${id}`)).body).toMatchObject({ id, name: 'temp', version: 1 });
      expect((await req('GET', '/v1/streams')).body.streams.map((s: { name: string }) => s.name)).toContain('temp');
      const put = await req('PUT', `/v1/streams/${id}`, { pipeline: [{ type: 'drop_fields', fields: ['metadata'] }], destinations: [{ name: 'f', type: 'file' }] });
      expect(put.body).toMatchObject({ version: 2 });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ version: 2, pipeline: [{ type: 'drop_fields', fields: ['metadata'] }] });
      expect((await req('DELETE', `/v1/streams/${id}`)).status).toBe(204);
      expect((await req('GET', `/v1/streams/${id}`)).status).toBe(404);
      expect((await req('GET', '/v1/streams/not-a-uuid')).status).toBe(400);
    });
  });

  describe('processors and routes', () => {
    it('POST /test shows what each destination would get, per processor, without appending', async () => {
      const s = await req('POST', '/v1/streams', {
        name: 'procs',
        pipeline: [
          { type: 'parse', field: 'event.raw', format: 'json', target: 'event.parsed' },
          { type: 'parse', field: 'event.kv', format: 'key_value' },
          { type: 'parse', field: 'event.line', format: 'regex', pattern: '^(?<method>[A-Z]+) (?<path>\\S+) (?<code>\\d{3})$' },
          { type: 'set', field: 'metadata.pipeline', value: 'v1' },
          { type: 'set', field: 'event.copy', from: 'event.amount' },
          { type: 'rename', from: 'event.currency', to: 'event.ccy' },
          { type: 'drop_fields', fields: ['metadata.team'] },
          { type: 'mask', pattern: 'card_number', with: 'mask', mask: '[card]' },
          { type: 'mask', pattern: 'email', with: 'hash', salt: 's1' },
          { type: 'mask', field: 'event.secret', with: 'mask' },
          { type: 'filter', drop_when: { 'event.level': 'debug' } },
          { type: 'sample', rate: 2, key_field: 'event.trace', when: { 'event.level': 'info' } },
        ],
        routes: [
          { when: { 'event.level': 'error' }, to: ['errors'], final: true },
          { when: { 'event.amount': { $gte: 100 } }, to: ['big'] },
        ],
        destinations: [
          { name: 'errors', type: 'file' },
          { name: 'big', type: 'file' },
          { name: '_unmatched', type: 'file' },
        ],
      });
      expect(s.body).toMatchObject({ name: 'procs' });
      expect(s.status).toBe(201);
      const e = (ev: Record<string, unknown>) => ({ source: 'app', event: { amount: 5, currency: 'USD', ...ev }, metadata: { team: 'p', env: 'prod' } });
      const res = await req('POST', `/v1/streams/${s.body.id}/test`, {
        events: [
          e({ level: 'error', amount: 500, raw: '{"a":1}', kv: 'user=ada role="admin user"', line: 'GET /x 404', card: 'paid with 4111 1111 1111 1111 ok', note: 'mail ada@example.com', secret: 's3cr3t' }),
          e({ level: 'warn', amount: 150 }),
          e({ level: 'warn', amount: 1 }),
          e({ level: 'debug', amount: 1000 }),
          e({ raw: '{not json' }),
          { source: 'app' },
        ],
      });
      expect(res.status).toBe(200);
      const first = res.body.destinations.errors[0].event;
      expect(first.event).toMatchObject({ parsed: { a: 1 }, kv: { user: 'ada', role: 'admin user' }, line: { method: 'GET', path: '/x', code: '404' }, copy: 500, ccy: 'USD', card: 'paid with [card] ok', secret: '****' });
      expect(first.event.currency).toBeUndefined();
      expect(first.event.note).toMatch(/^mail [0-9a-f]{16}$/);
      expect(first.metadata).toEqual({ env: 'prod', pipeline: 'v1' });
      expect(res.body.destinations.errors.map((d: { index: number }) => d.index)).toEqual([0]); // final: not also in big
      expect(res.body.destinations.big.map((d: { index: number }) => d.index)).toEqual([1]);
      expect(res.body.destinations._unmatched.map((d: { index: number }) => d.index)).toEqual([2]);
      expect(res.body.dropped).toEqual([{ index: 3, by: 'filter' }]);
      expect(res.body.failed.map((f: { index: number }) => f.index)).toEqual([4, 5]);
      expect(res.body.failed[0].detail).toMatch(/pipeline\[0\] \(parse\): event\.raw is not valid JSON/);
    });

    it('samples 1 in N deterministically by key: all events of one trace are kept or dropped together', async () => {
      const s = await req('POST', '/v1/streams', { name: 'sampler', pipeline: [{ type: 'sample', rate: 4, key_field: 'event.trace' }], destinations: [{ name: 'f', type: 'file' }] });
      const events = [];
      for (let trace = 0; trace < 200; trace++) for (let k = 0; k < 3; k++) events.push({ source: 'a', event: { trace: `t${trace}`, k } });
      const res = await req('POST', `/v1/streams/${s.body.id}/test`, { events });
      const kept = res.body.destinations.f.map((d: { event: { event: { trace: string } } }) => d.event.event.trace);
      const byTrace = new Map<string, number>();
      for (const tr of kept) byTrace.set(tr, (byTrace.get(tr) ?? 0) + 1);
      expect([...byTrace.values()].every((n) => n === 3)).toBe(true);
      expect(byTrace.size).toBeGreaterThan(25); // ~50 of 200
      expect(byTrace.size).toBeLessThan(80);
    });
  });

  describe('delivery', () => {
    it('mask + filter + sample + two routes: the table and the topic get exactly what the pipeline says', async () => {
      const topic = 'payments-downstream';
      const s = await req('POST', '/v1/streams', {
        name: 'pay',
        pipeline: [
          { type: 'mask', field: 'event.card', pattern: 'card_number', with: 'mask', mask: '[card]' },
          { type: 'filter', drop_when: { 'event.level': 'debug' } },
          { type: 'sample', rate: 3, when: { 'event.level': 'info' }, key_field: 'event.transactionId' },
        ],
        routes: [
          { when: { 'event.level': 'error' }, to: ['errors'] },
          { to: ['all'] },
        ],
        destinations: [
          { name: 'errors', type: 'table', table: 'payments', id_field: 'event.transactionId', fields: [{ column: 'status', path: 'event.status' }, { column: 'card', path: 'event.card' }, { column: 'level', path: 'event.level' }] },
          { name: 'all', type: 'topic', topic, key_field: 'event.transactionId' },
        ],
      });
      expect(s.status).toBe(201);
      const id = s.body.id;
      const levels = ['error', 'info', 'debug', 'warn'];
      const events = Array.from({ length: 400 }, (_, i) => event({}, { transactionId: `pay-${i}`, level: levels[i % 4], card: '4111-1111-1111-1111' }));
      const test = await req('POST', `/v1/streams/${id}/test`, { events });
      const expectedErrors = test.body.destinations.errors.map((d: { event: { event: { transactionId: string } } }) => d.event.event.transactionId).sort();
      const expectedAll = test.body.destinations.all.map((d: { event: { event: { transactionId: string } } }) => d.event.event.transactionId).sort();
      expect(expectedErrors).toHaveLength(100);
      expect(test.body.dropped.filter((d: { by: string }) => d.by === 'filter')).toHaveLength(100);
      const sampledOut = test.body.dropped.filter((d: { by: string }) => d.by === 'sample').length;
      expect(sampledOut).toBeGreaterThan(40);
      expect(expectedAll.length).toBe(400 - 100 - sampledOut);
      for (let i = 0; i < 400; i += 100) {
        const res = await ingest(id, events.slice(i, i + 100).map((e) => JSON.stringify(e)).join('\n'), 'application/x-ndjson');
        expect(res.status).toBe(200);
      }
      await eventually(async () => (await rows('payments')).filter((r) => String(r.txn).startsWith('pay-')).length >= 100, 30_000, 'table rows');
      const tableRows = (await rows('payments')).filter((r) => String(r.txn).startsWith('pay-'));
      expect(tableRows.map((r) => r.txn).sort()).toEqual(expectedErrors);
      expect(tableRows.every((r) => r.card === '[card]' && r.level === 'error')).toBe(true);

      const consumer = kafkaClient(t.broker).consumer({ groupId: `check-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const seen: string[] = [];
      const versions = new Set<string>();
      await consumer.run({
        eachMessage: async ({ message }) => {
          seen.push(JSON.parse(message.value!.toString()).event.transactionId);
          versions.add(String(message.headers?.['intake-pipeline-version']));
        },
      });
      await eventually(() => seen.length >= expectedAll.length, 30_000, 'topic records');
      await new Promise((r) => setTimeout(r, 500));
      await consumer.disconnect();
      expect(seen.sort()).toEqual(expectedAll);
      expect([...versions]).toEqual(['1']);
      const deliveries: { destination: string; pipeline_version: number }[] = await t.db.query(`SELECT destination, pipeline_version FROM stream_deliveries WHERE stream_id = $1`, [id]);
      expect(new Set(deliveries.map((d) => d.destination))).toEqual(new Set(['errors', 'all']));

      const metrics = await req('GET', `/v1/streams/${id}/metrics?minutes=5`);
      expect(metrics.status).toBe(200);
      await eventually(async () => {
        const m = (await req('GET', `/v1/streams/${id}/metrics?minutes=5`)).body.minutes;
        const sum = (k: string) => m.reduce((n: number, x: Record<string, number>) => n + (x[k] ?? 0), 0);
        const delivered = (d: string) => m.reduce((n: number, x: { delivered: Record<string, number> }) => n + (x.delivered[d] ?? 0), 0);
        return sum('events_in') === 400 && sum('dropped_filter') === 100 && sum('dropped_sample') === sampledOut && delivered('errors') === 100 && delivered('all') === expectedAll.length;
      }, 15_000, 'per-minute metrics');
    });

    it('a webhook that fails twice then succeeds gets each event once past the acknowledged batch', async () => {
      const hook = await startWebhook();
      t.onTeardown(() => new Promise((r) => hook.server.close(r)));
      const s = await req('POST', '/v1/streams', { name: 'hooked', partitions: 1, destinations: [{ name: 'hook', type: 'webhook', url: hook.url, batch_max_events: 50 }] });
      hook.failNext = 2;
      const events = Array.from({ length: 30 }, (_, i) => JSON.stringify(event({}, { transactionId: `h-${i}` })));
      expect((await ingest(s.body.id, events.join('\n'), 'application/x-ndjson')).status).toBe(200);
      await eventually(() => hook.batches.reduce((n, b) => n + b.lines.length, 0) >= 30, 30_000, 'webhook delivery');
      expect((await ingest(s.body.id, JSON.stringify(event({}, { transactionId: 'h-30' })))).status).toBe(200);
      await eventually(() => hook.batches.reduce((n, b) => n + b.lines.length, 0) >= 31, 30_000, 'second delivery');
      await new Promise((r) => setTimeout(r, 1_000));
      const ids = hook.batches.flatMap((b) => b.lines.map((l) => (l as { event: { transactionId: string } }).event.transactionId));
      expect(ids.sort()).toEqual([...Array.from({ length: 31 }, (_, i) => `h-${i}`)].sort());
      expect(hook.batches[0].headers['content-type']).toBe('application/x-ndjson');
      expect(hook.batches[0].headers['x-intake-pipeline-version']).toBe('1');
    });

    it('a destination down for a while catches up when it returns; the other destination is not held back', async () => {
      const hook = await startWebhook();
      t.onTeardown(() => new Promise((r) => hook.server.close(r)));
      hook.down = true;
      const s = await req('POST', '/v1/streams', {
        name: 'downhook',
        destinations: [
          { name: 'hook', type: 'webhook', url: hook.url, retries: 10 },
          { name: 'rows', type: 'table', table: 'payments', id_field: 'event.transactionId', fields: [{ column: 'status', path: 'event.status' }] },
        ],
      });
      for (let i = 0; i < 5; i++) {
        const body = Array.from({ length: 20 }, (_, k) => JSON.stringify(event({}, { transactionId: `d-${i * 20 + k}` }))).join('\n');
        expect((await ingest(s.body.id, body, 'application/x-ndjson')).status).toBe(200);
      }
      await eventually(async () => (await rows('payments')).filter((r) => String(r.txn).startsWith('d-')).length === 100, 30_000, 'the table while the webhook is down');
      expect(hook.batches).toHaveLength(0);
      hook.down = false;
      await eventually(() => new Set(hook.batches.flatMap((b) => b.lines.map((l) => (l as { event: { transactionId: string } }).event.transactionId))).size === 100, 60_000, 'the webhook catching up');
      const errors = await req('GET', `/v1/streams/${s.body.id}/errors`);
      expect(errors.body.errors).toHaveLength(0);
    });

    it('events already in the log are processed by the pipeline version current when they are processed, and deliveries record it', async () => {
      const hook = await startWebhook();
      t.onTeardown(() => new Promise((r) => hook.server.close(r)));
      hook.down = true;
      const destinations = [{ name: 'hook', type: 'webhook', url: hook.url, retries: 12 }];
      const s = await req('POST', '/v1/streams', { name: 'versioned', partitions: 1, pipeline: [{ type: 'set', field: 'metadata.v', value: 1 }], destinations });
      const body = Array.from({ length: 10 }, (_, i) => JSON.stringify(event({}, { transactionId: `v-${i}` }))).join('\n');
      expect((await ingest(s.body.id, body, 'application/x-ndjson')).status).toBe(200);
      const put = await req('PUT', `/v1/streams/${s.body.id}`, { pipeline: [{ type: 'set', field: 'metadata.v', value: 2 }], destinations });
      expect(put.body.version).toBe(2);
      hook.down = false;
      await eventually(() => hook.batches.reduce((n, b) => n + b.lines.length, 0) >= 10, 60_000, 'the backlog delivered');
      // A batch already being retried when the PUT landed keeps the version it started with; later batches use 2.
      const last = hook.batches[hook.batches.length - 1];
      const versionOf = (b: Webhook['batches'][number]) => Number(b.headers['x-intake-pipeline-version']);
      for (const b of hook.batches) for (const line of b.lines) expect((line as { metadata: { v: number } }).metadata.v).toBe(versionOf(b));
      expect((await ingest(s.body.id, JSON.stringify(event({}, { transactionId: 'v-late' })))).status).toBe(200);
      await eventually(() => hook.batches.some((b) => b.lines.some((l) => (l as { event: { transactionId: string } }).event.transactionId === 'v-late')), 30_000, 'the late event');
      const lateBatch = hook.batches.find((b) => b.lines.some((l) => (l as { event: { transactionId: string } }).event.transactionId === 'v-late'))!;
      expect(versionOf(lateBatch)).toBe(2);
      expect((lateBatch.lines[0] as { metadata: { v: number } }).metadata.v).toBe(2);
      expect(versionOf(last)).toBeGreaterThanOrEqual(1);
      // The delivery row commits with the offsets, just after the webhook answered.
      const recorded = async (): Promise<{ first_offset: string; pipeline_version: number }[]> =>
        t.db.query(`SELECT first_offset, pipeline_version FROM stream_deliveries WHERE stream_id = $1 ORDER BY first_offset`, [s.body.id]);
      await eventually(async () => (await recorded()).length === 2, 30_000, 'two delivery rows');
      expect((await recorded()).map((r) => [r.first_offset, r.pipeline_version])).toEqual([['0', versionOf(hook.batches[0])], ['1', 2]]);
    });

    it('a delivery that fails for good goes to ingest_errors with the event and the destination', async () => {
      const s = await req('POST', '/v1/streams', {
        name: 'refusing',
        destinations: [{ name: 'rows', type: 'table', table: 'payments', id_field: 'event.transactionId', fields: [{ column: 'amount', path: 'event.amount' }] }],
      });
      expect((await ingest(s.body.id, JSON.stringify(event({}, { transactionId: 'bad-amount', amount: 'lots' })))).status).toBe(200);
      await eventually(async () => (await req('GET', `/v1/streams/${s.body.id}/errors`)).body.errors.length === 1, 30_000, 'the error');
      const [err] = (await req('GET', `/v1/streams/${s.body.id}/errors`)).body.errors;
      expect(err).toMatchObject({ destination: 'rows', code: 'INVALID_RECORD', event: { event: { transactionId: 'bad-amount' } } });
      expect(err.message).toMatch(/event\.amount/);
    });

    it('a file destination writes NDJSON under the data dir', async () => {
      const s = await req('POST', '/v1/streams', { name: 'filed', partitions: 1, destinations: [{ name: 'archive', type: 'file' }] });
      expect((await ingest(s.body.id, [1, 2, 3].map((n) => JSON.stringify(event({}, { transactionId: `f-${n}` }))).join('\n'), 'application/x-ndjson')).status).toBe(200);
      const dir = path.join(t.app.dataDir, 'streams', s.body.id, 'archive');
      await eventually(() => {
        try {
          return readdirSync(dir).some((f) => readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).length === 3);
        } catch {
          return false;
        }
      }, 30_000, 'the file');
    });
  });

  describe('collections, health and two nodes', () => {
    it('a collection destination embeds the text field and upserts it under the id field: searchable; an event without text is filed', async () => {
      expect((await req('POST', '/vectordb/collections', { name: 'notes', dense_vector: { enabled: true, dimension: 64 } })).status).toBe(201);
      const s = await req('POST', '/v1/streams', {
        name: 'to-notes',
        destinations: [{ name: 'vectors', type: 'collection', collection: 'notes', id_field: 'event.note_id', text_field: 'event.text' }],
      });
      expect(s.status).toBe(201);
      const texts = ['kafka partitions are the unit of parallelism', 'postgres keeps rows in heap pages', 'hnsw graphs find near neighbours'];
      const body = texts.map((text, i) => JSON.stringify({ source: 'wiki', event: { note_id: `n${i}`, text } })).join('\n') + '\n' + JSON.stringify({ source: 'wiki', event: { note_id: 'n-empty' } });
      expect((await ingest(s.body.id, body, 'application/x-ndjson')).status).toBe(200);
      await eventually(async () => (await req('POST', '/vectordb/collections/notes/search/dense', { query_text: texts[1], top_k: 1 })).body.results?.[0]?.id === 'n1', 30_000, 'the vector');
      const hit = (await req('POST', '/vectordb/collections/notes/search/dense', { query_text: texts[2], top_k: 1 })).body.results[0];
      expect(hit.id).toBe('n2');
      await eventually(async () => (await req('GET', `/v1/streams/${s.body.id}/errors`)).body.errors.length === 1, 30_000, 'the event without text filed');
      const [err] = (await req('GET', `/v1/streams/${s.body.id}/errors`)).body.errors;
      expect(err).toMatchObject({ destination: 'vectors', code: 'INVALID_RECORD' });
      expect(err.message).toMatch(/event\.text: must be a non-empty string/);
    });

    it('/health reports each destination\'s lag in log messages, 0 once delivered', async () => {
      const health = await req('GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body.details.stream_lag).toMatchObject({ status: 'up' });
      expect(health.body.details.stream_lag.destinations[`${plain}/rows`]).toBe('0');
    });

    it('two nodes share a stream\'s destinations: every event is delivered once', async () => {
      const second = await startApp(t.infra, undefined, { INTAKE_NODE_ID: 'node-2' });
      t.onTeardown(() => second.close());
      const s = await req('POST', '/v1/streams', {
        name: 'shared',
        partitions: 4,
        destinations: [{ name: 'rows', type: 'table', table: 'payments', id_field: 'event.transactionId', fields: [{ column: 'status', path: 'event.status' }] }],
      });
      for (let i = 0; i < 20; i++) {
        const body = Array.from({ length: 10 }, (_, k) => JSON.stringify(event({ source: `svc-${i}` }, { transactionId: `two-${i * 10 + k}` }))).join('\n');
        const url = i % 2 === 0 ? t.app.url : second.url;
        const res = await fetch(`${url}/v1/streams/ingest`, { method: 'POST', headers: { ...authHeader(), 'content-type': 'application/x-ndjson', 'x-stream-id': s.body.id }, body });
        expect(res.status).toBe(200);
      }
      await eventually(async () => (await rows('payments')).filter((r) => String(r.txn).startsWith('two-')).length === 200, 60_000, 'rows from both nodes');
      await new Promise((r) => setTimeout(r, 1_000));
      const delivered: { n: string }[] = await t.db.query(`SELECT sum(events)::text AS n FROM stream_deliveries WHERE stream_id = $1`, [s.body.id]);
      expect(Number(delivered[0].n)).toBe(200);
    });
  });

  describe("the stream's rate limit", () => {
    it('a burst over it gets 429 with Retry-After, and every accepted event reaches the table exactly once', async () => {
      const s = await req('POST', '/v1/streams', {
        name: 'limited',
        rate_limit: { requests_per_second: 5 },
        destinations: [{ name: 'rows', type: 'table', table: 'payments', id_field: 'event.transactionId', fields: [{ column: 'status', path: 'event.status' }] }],
      });
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => ingest(s.body.id, JSON.stringify(event({}, { transactionId: `rl-${i}` })))));
      const accepted = answers.map((a, i) => ({ a, i })).filter((x) => x.a.status === 200).map((x) => `rl-${x.i}`);
      const refused = answers.filter((a) => a.status === 429);
      expect(accepted.length).toBeGreaterThanOrEqual(5);
      expect(refused.length).toBeGreaterThan(0);
      expect(accepted.length + refused.length).toBe(30);
      expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(refused[0].headers.get('ratelimit-limit')).toBe('5');
      await eventually(async () => (await rows('payments')).filter((r) => String(r.txn).startsWith('rl-')).length >= accepted.length, 30_000, 'accepted rows');
      await new Promise((r) => setTimeout(r, 1_000));
      const got = (await rows('payments')).filter((r) => String(r.txn).startsWith('rl-')).map((r) => r.txn).sort();
      expect(got).toEqual(accepted.sort());
      const delivered: { n: string }[] = await t.db.query(`SELECT sum(events)::text AS n FROM stream_deliveries WHERE stream_id = $1`, [s.body.id]);
      expect(Number(delivered[0].n)).toBe(accepted.length);
      // The log holds each accepted request exactly once and nothing of a refused one.
      const consumer = kafkaClient(t.broker).consumer({ groupId: `log-check-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topic: s.body.topic, fromBeginning: true });
      const inLog: string[] = [];
      await consumer.run({ eachMessage: async ({ message }) => void inLog.push(JSON.parse(message.value!.toString()).event.transactionId) });
      await eventually(() => inLog.length >= accepted.length, 30_000, 'the log read back');
      await new Promise((r) => setTimeout(r, 500));
      await consumer.disconnect();
      expect(inLog.sort()).toEqual(accepted.sort());
    });
  });
});

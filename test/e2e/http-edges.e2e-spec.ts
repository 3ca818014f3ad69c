// The HTTP edge under input that SDKs and fuzzers send: body-less requests with a
// JSON content type, early errors on streamed bodies over keep-alive, identifiers
// that cannot reach Postgres, deep JSON, long ids, router errors, wrong media types.
// Every answer is a 4xx in the one error shape, never a 500 or a hang.
import * as net from 'node:net';
import { TEST_ADMIN_TOKEN, authHeader, http, withTestApp } from '../support/app';
import { randomVectors } from '../support/vectors';

jest.setTimeout(120_000);

/** Sends raw bytes on one socket and collects everything until the server closes it or `idleMs` passes quietly. */
function rawExchange(url: string, chunks: Buffer[], idleMs = 3_000): Promise<{ text: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const got: Buffer[] = [];
    let timer: NodeJS.Timeout;
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(got).toString('latin1'), closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false), idleMs);
    };
    socket.on('data', (d) => {
      got.push(d);
      arm();
    });
    socket.on('end', () => done(true));
    socket.on('close', () => done(true));
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? done(true) : reject(err)));
    socket.on('connect', () => {
      for (const c of chunks) socket.write(c);
      arm();
    });
  });
}

const statusLines = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('the HTTP edge', () => {
  const t = withTestApp();
  const DIM = 8;
  const api = (method: string, p: string, body?: unknown) => http(t.app.url, method, p, body);
  const send = async (method: string, p: string, headers: Record<string, string>, body?: string | Buffer) => {
    const res = await fetch(`${t.app.url}${p}`, { method, headers: { ...authHeader(), ...headers }, body });
    const text = await res.text();
    let json: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      json = JSON.parse(text);
    } catch {
      /* keep null */
    }
    return { status: res.status, json, text, headers: res.headers };
  };

  beforeAll(async () => {
    expect(await api('POST', '/vectordb/collections', { name: 'docs', dense_vector: { enabled: true, dimension: DIM } })).toMatchObject({ status: 201 });
    const vectors = randomVectors(3, DIM, 1).map((v, i) => ({ id: `v${i}`, dense_values: v }));
    expect((await api('POST', '/vectordb/collections/docs/streaming/upsert', { vectors })).status).toBe(200);
  });

  it('accepts a body-less request with content-type application/json on routes that take no body', async () => {
    const json = { 'content-type': 'application/json' };
    expect((await send('DELETE', '/vectordb/collections/docs/streaming/delete/v0', json)).status).toBe(204);
    expect((await send('GET', '/vectordb/collections/docs', json)).status).toBe(200);
    expect((await send('GET', '/vectordb/collections', json)).status).toBe(200);
    expect((await send('GET', '/health', json)).status).toBe(200);
    // A route that needs a body says which field is missing, as a 400 in the catalog shape.
    const empty = await send('POST', '/vectordb/collections/docs/streaming/upsert', json);
    expect(empty.status).toBe(400);
    expect(empty.json.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'body' });
  });

  it('answers or closes a keep-alive connection after an early 400 on a streamed /ingest/batch body', async () => {
    expect((await api('POST', '/vectordb/collections', { name: 'kab', dense_vector: { enabled: true, dimension: DIM } })).status).toBe(201);
    expect((await api('POST', '/init', { index_name: 'kab', mode: 'build' })).status).toBe(200);
    const rowBytes = 32 + DIM * 4;
    const rows = Math.ceil((2 * 1024 * 1024) / rowBytes);
    const body = Buffer.alloc(rows * rowBytes);
    for (let r = 0; r < rows; r++) {
      body.write(`r${r}`, r * rowBytes, 'ascii');
      for (let j = 0; j < DIM; j++) body.writeFloatLE(0.5, r * rowBytes + 32 + j * 4);
    }
    body.writeFloatLE(NaN, 32); // the FIRST row is bad
    const { host } = new URL(t.app.url);
    const first = Buffer.from(
      `POST /ingest/batch?index_name=kab HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const second = Buffer.from(`GET /health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const { text, closed } = await rawExchange(t.app.url, [first, body, second]);
    const statuses = statusLines(text);
    expect(statuses[0]).toBe(400);
    expect(text).toMatch(/row 0: component 0 \(NaN\)/);
    // Either the next request is answered, or the server said it would close and did.
    if (statuses.length < 2) {
      expect(text.toLowerCase()).toContain('connection: close');
      expect(closed).toBe(true);
    } else {
      expect(statuses[1]).toBe(200);
    }
    expect((await api('GET', '/ingest/status?index_name=kab')).body.session.rows_staged).toBe(0);
  });

  it('refuses identifiers with control characters with a 400 naming the field, never a 500', async () => {
    for (const [method, p, body] of [
      ['POST', '/vectordb/collections/%00/search/dense', { query_vector: new Array(DIM).fill(1) }],
      ['POST', '/vectordb/collections/%00/streaming/upsert', { vectors: [{ id: 'a', dense_values: new Array(DIM).fill(1) }] }],
      ['DELETE', '/vectordb/collections/%00/streaming/delete/a', undefined],
      ['GET', '/vectordb/collections/%00', undefined],
      ['DELETE', '/vectordb/collections/%00', undefined],
    ] as const) {
      const r = await api(method, p, body);
      expect({ p, status: r.status }).toEqual({ p, status: 400 });
      expect(r.body.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'collection' });
    }
    const nulId = await api('DELETE', '/vectordb/collections/docs/streaming/delete/a%00b');
    expect(nulId.status).toBe(400);
    expect(nulId.body.error.field).toBe('vector_id');
    const nulUpsert = await api('POST', '/vectordb/collections/docs/streaming/upsert', { vectors: [{ id: 'a\u0000b', dense_values: new Array(DIM).fill(1) }] });
    expect(nulUpsert.status).toBe(400);
    expect(nulUpsert.body.error.field).toBe('vectors[0].id');
    const nulIndex = await api('POST', '/init', { index_name: 'a\u0000', mode: 'build' });
    expect(nulIndex.status).toBe(400);
    expect(nulIndex.body.error.field).toBe('index_name');
  });

  it('refuses JSON nested deeper than 64 levels with a 400 naming the limit', async () => {
    const deep = '{"a":'.repeat(5_000) + '1' + '}'.repeat(5_000);
    const body = `{"vectors":[{"id":"d","dense_values":${JSON.stringify(new Array(DIM).fill(1))},"metadata":${deep}}]}`;
    const r = await send('POST', '/vectordb/collections/docs/streaming/upsert', { 'content-type': 'application/json' }, body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INTAKE_VALIDATION');
    expect(r.json.error.message).toMatch(/nest.*64/);
    // 64 levels in total is fine.
    const ok = `{"vectors":[{"id":"d","dense_values":${JSON.stringify(new Array(DIM).fill(1))},"metadata":${'{"a":'.repeat(60)}1${'}'.repeat(60)}}]}`;
    expect((await send('POST', '/vectordb/collections/docs/streaming/upsert', { 'content-type': 'application/json' }, ok)).status).toBe(200);
  });

  it('deletes by an id of up to 256 bytes, the documented limit', async () => {
    const long = 'x'.repeat(200) + 'é'.repeat(28); // 256 bytes in UTF-8
    expect(Buffer.byteLength(long)).toBe(256);
    const up = await api('POST', '/vectordb/collections/docs/streaming/upsert', { vectors: [{ id: long, dense_values: new Array(DIM).fill(0.3) }] });
    expect(up.status).toBe(200);
    const del = await api('DELETE', `/vectordb/collections/docs/streaming/delete/${encodeURIComponent(long)}`);
    expect(del.status).toBe(204);
    const tooLong = await api('DELETE', `/vectordb/collections/docs/streaming/delete/${'y'.repeat(257)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.field).toBe('vector_id');
  });

  it('answers router errors in the catalog shape', async () => {
    const badUrl = await send('GET', '/vectordb/collections/%zz', {});
    expect(badUrl.status).toBe(400);
    expect(badUrl.json.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'url' });
    const unknown = await send('GET', '/no/such/route', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: { code: 'INTAKE_NOT_FOUND', message: 'Cannot GET /no/such/route' } });
    const badJson = await send('POST', '/vectordb/collections', { 'content-type': 'application/json' }, '{"name":');
    expect(badJson.status).toBe(400);
    expect(badJson.json.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'body' });
    const tooLongParam = await send('GET', `/vectordb/collections/${'a'.repeat(5_000)}`, {});
    expect(tooLongParam.status).toBe(414);
    expect(tooLongParam.json).toEqual({ error: { code: 'INTAKE_URI_TOO_LONG', message: expect.stringMatching(/longer than 1024/) } });
  });

  it('answers 415 naming the type for a body of the wrong media type', async () => {
    for (const type of ['application/octet-stream', 'text/plain']) {
      const r = await send('POST', '/vectordb/collections', { 'content-type': type }, '{"name":"x"}');
      expect({ type, status: r.status }).toEqual({ type, status: 415 });
      expect(r.json.error.code).toBe('INTAKE_UNSUPPORTED_MEDIA_TYPE');
      expect(r.json.error.message).toContain(type);
    }
    const form = await send('POST', '/ingest/batch?index_name=kab', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1');
    expect(form.status).toBe(415);
    expect(form.json.error.message).toContain('application/x-www-form-urlencoded');
    const jsonToBatch = await send('POST', '/ingest/batch?index_name=kab', { 'content-type': 'application/json' }, '{}');
    expect(jsonToBatch.status).toBe(415);
    expect(jsonToBatch.json.error.message).toContain("'application/json'");
  });
});

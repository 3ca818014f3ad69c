import * as http from 'http';
import { AddressInfo } from 'net';
import {
  createEmbedder,
  EmbedderResponseError,
  EmbedderUnavailableError,
  EmptyTextError,
  OpenAiCompatibleEmbedder,
} from '../../src/embeddings';

interface Captured {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: { model: string; input: string[]; dimensions: number };
}
type Handler = (req: Captured, res: http.ServerResponse) => void;

/** A real HTTP server on an ephemeral port; each test installs its own handler. */
let server: http.Server;
let baseUrl: string;
let handler: Handler;
let requests: Captured[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured: Captured = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      };
      requests.push(captured);
      handler(captured, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  handler = okHandler();
});

/** Deterministic fake embedding: encodes the text's length and the dimension position. */
function fakeVector(text: string, dimension: number): number[] {
  return Array.from({ length: dimension }, (_, i) => text.length + i / 1000);
}

function okHandler(opts: { reverse?: boolean } = {}): Handler {
  return (req, res) => {
    const data = req.body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text, req.body.dimensions) }));
    if (opts.reverse) data.reverse();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data, model: req.body.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function embedder(overrides: Partial<ConstructorParameters<typeof OpenAiCompatibleEmbedder>[0]> = {}): OpenAiCompatibleEmbedder {
  return new OpenAiCompatibleEmbedder({ url: baseUrl, model: 'test-model', apiKey: 'sk-test', timeoutMs: 2_000, batchSizeMax: 16, ...overrides });
}

describe('OpenAiCompatibleEmbedder', () => {
  it('POSTs {model, input, dimensions} to /v1/embeddings with the bearer key and returns Float32Arrays', async () => {
    const e = embedder({ url: `${baseUrl}/` }); // trailing slash tolerated
    const out = await e.embed(['hello', 'longer text'], 4);
    expect(e.name).toBe('openai:test-model');
    expect(requests).toHaveLength(1);
    expect(requests[0].method).toBe('POST');
    expect(requests[0].url).toBe('/v1/embeddings');
    expect(requests[0].headers.authorization).toBe('Bearer sk-test');
    expect(requests[0].headers['content-type']).toBe('application/json');
    expect(requests[0].body).toEqual({ model: 'test-model', input: ['hello', 'longer text'], dimensions: 4 });
    expect(out).toHaveLength(2);
    expect(out[0]).toBeInstanceOf(Float32Array);
    expect(Array.from(out[0])).toEqual(Array.from(new Float32Array(fakeVector('hello', 4))));
    expect(Array.from(out[1])).toEqual(Array.from(new Float32Array(fakeVector('longer text', 4))));
  });

  it('sends no Authorization header without an api key (createEmbedder wiring)', async () => {
    const e = createEmbedder({ kind: 'openai', url: baseUrl, model: 'local', apiKey: null });
    await e.embed(['x'], 2);
    expect(requests[0].headers.authorization).toBeUndefined();
    expect(requests[0].body.model).toBe('local');
  });

  it('orders results by `index`, not by array position', async () => {
    handler = okHandler({ reverse: true });
    const texts = ['a', 'bb', 'ccc'];
    const out = await embedder().embed(texts, 3);
    expect(out.map((v) => v[0])).toEqual([1, 2, 3]);
  });

  it('splits large inputs into batches of at most batchSizeMax, preserving order', async () => {
    const texts = Array.from({ length: 23 }, (_, i) => 'x'.repeat(i + 1));
    const out = await embedder({ batchSizeMax: 5 }).embed(texts, 2);
    expect(requests.map((r) => r.body.input.length)).toEqual([5, 5, 5, 5, 3]);
    expect(requests.flatMap((r) => r.body.input)).toEqual(texts);
    expect(out.map((v) => v[0])).toEqual(texts.map((t) => t.length));
  });

  it('makes no request for an empty input list', async () => {
    await expect(embedder().embed([], 8)).resolves.toEqual([]);
    expect(requests).toHaveLength(0);
  });

  it('rejects empty text locally with EmptyTextError, before any request', async () => {
    await expect(embedder().embed(['ok', '  '], 4)).rejects.toMatchObject({ code: 'EMPTY_TEXT', index: 1 });
    await expect(embedder().embed([''], 4)).rejects.toBeInstanceOf(EmptyTextError);
    expect(requests).toHaveLength(0);
  });

  describe('malformed answers -> EmbedderResponseError', () => {
    const cases: [string, Handler][] = [
      ['not JSON', (_req, res) => json(res, 200, '<html>oops</html>')],
      ['no data array', (_req, res) => json(res, 200, { object: 'list' })],
      ['too few embeddings', (req, res) => json(res, 200, { data: [{ index: 0, embedding: fakeVector('a', req.body.dimensions) }] })],
      ['wrong dimension', (req, res) => json(res, 200, { data: req.body.input.map((_t, index) => ({ index, embedding: [1, 2, 3] })) })],
      ['non-numeric value', (req, res) => json(res, 200, { data: req.body.input.map((_t, index) => ({ index, embedding: ['1', 2] })) })],
      ['duplicate index', (req, res) => json(res, 200, { data: req.body.input.map(() => ({ index: 0, embedding: [1, 2] })) })],
      ['index out of range', (req, res) => json(res, 200, { data: req.body.input.map((_t, i) => ({ index: i + 5, embedding: [1, 2] })) })],
      ['embedding missing', (req, res) => json(res, 200, { data: req.body.input.map((_t, index) => ({ index })) })],
    ];
    it.each(cases)('%s', async (_name, h) => {
      handler = h;
      const err = await embedder().embed(['a', 'b'], 2).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EmbedderResponseError);
      expect((err as EmbedderResponseError).code).toBe('EMBEDDER_BAD_RESPONSE');
    });

    it('a 400 (e.g. unsupported dimensions) is a bad response, quoting the body', async () => {
      handler = (_req, res) => json(res, 400, { error: { message: 'dimensions not supported for this model' } });
      const err = (await embedder().embed(['a'], 2).catch((e: unknown) => e)) as EmbedderResponseError;
      expect(err).toBeInstanceOf(EmbedderResponseError);
      expect(err.status).toBe(400);
      expect(err.message).toContain('dimensions not supported');
    });
  });

  it('accepts servers that omit `index` entirely (array order)', async () => {
    handler = (req, res) => json(res, 200, { data: req.body.input.map((t) => ({ embedding: fakeVector(t, 2) })) });
    const out = await embedder().embed(['a', 'bbb'], 2);
    expect(out.map((v) => v[0])).toEqual([1, 3]);
  });

  it('HTTP 500 and 429 -> EmbedderUnavailableError with the status', async () => {
    handler = (_req, res) => json(res, 500, { error: 'boom' });
    const err500 = (await embedder().embed(['a'], 2).catch((e: unknown) => e)) as EmbedderUnavailableError;
    expect(err500).toBeInstanceOf(EmbedderUnavailableError);
    expect(err500.code).toBe('EMBEDDER_UNAVAILABLE');
    expect(err500.status).toBe(500);
    expect(err500.message).toContain('boom');

    handler = (_req, res) => json(res, 429, { error: 'slow down' });
    const err429 = (await embedder().embed(['a'], 2).catch((e: unknown) => e)) as EmbedderUnavailableError;
    expect(err429).toBeInstanceOf(EmbedderUnavailableError);
    expect(err429.status).toBe(429);
  });

  it('a server that never answers -> EmbedderUnavailableError after timeoutMs', async () => {
    handler = () => {
      /* never respond */
    };
    const started = Date.now();
    const err = (await embedder({ timeoutMs: 200 }).embed(['a'], 2).catch((e: unknown) => e)) as EmbedderUnavailableError;
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(EmbedderUnavailableError);
    expect(err.message).toContain('timed out after 200 ms');
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
  });

  it('a body that stalls mid-stream also times out', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data": ['); // headers sent, body never finishes
    };
    const err = await embedder({ timeoutMs: 200 }).embed(['a'], 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbedderUnavailableError);
  });

  it('connection refused -> EmbedderUnavailableError', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = (await embedder({ url: `http://127.0.0.1:${port}` }).embed(['a'], 2).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(EmbedderUnavailableError);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('validates its own options', () => {
    expect(() => embedder({ batchSizeMax: 0 })).toThrow(RangeError);
    expect(() => embedder({ timeoutMs: 0 })).toThrow(RangeError);
  });
});

// Structured logs: an Intake node at INTAKE_LOG_LEVEL=debug writing its JSON lines to a
// destination the test reads. A request's id comes back in `x-request-id` (a sane
// incoming one is kept, anything else is replaced) and is in every line logged while
// that request is handled: Fastify's request line and Nest's Logger lines alike. The
// level comes from config, and the terminal format is readable text.
import { Writable } from 'node:stream';
import { RunningIntake, startIntake } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/config';
import { prettyStream, requestIdFrom } from '../../src/observability/logging';
import { TEST_ADMIN_TOKEN, TestInfra, authHeader, startInfra } from '../support/app';
import { eventually } from '../support/broker';
import { tempDir } from '../support/temp-dir';

jest.setTimeout(300_000);

type Line = Record<string, unknown>;

/** Collects every JSON line the app writes. */
function capture(): { lines: Line[]; stream: { write(s: string): void } } {
  const lines: Line[] = [];
  return { lines, stream: { write: (s: string) => s.split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l))) } };
}

async function start(infra: TestInfra, level: string, stream: { write(s: string): void }): Promise<RunningIntake> {
  const config = loadConfig({
    PORT: '0',
    KAFKA_BROKERS: infra.broker.address,
    DATABASE_URL: infra.pg.url,
    INTAKE_DATA_DIR: tempDir('logging'),
    INTAKE_LOG_LEVEL: level,
    INTAKE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  });
  return startIntake(config, { logDestination: stream });
}

describe('structured logs with request ids', () => {
  let infra: TestInfra;
  let app: RunningIntake;
  const log = capture();

  beforeAll(async () => {
    infra = await startInfra();
    app = await start(infra, 'debug', log.stream);
  });
  afterAll(async () => {
    await app?.close();
    await infra?.stop();
  });

  it('writes one JSON object per line with an ISO time, a level name and a message, Nest lines with their context', () => {
    expect(log.lines.length).toBeGreaterThan(0);
    for (const l of log.lines) {
      expect(typeof l.msg).toBe('string');
      expect(['debug', 'info', 'warn', 'error', 'fatal']).toContain(l.level);
      expect(new Date(String(l.time)).toISOString()).toBe(l.time);
    }
    // Nest's Logger calls made while the app started (e.g. the task collections, the task worker).
    expect(log.lines.some((l) => typeof l.context === 'string' && l.level === 'info')).toBe(true);
  });

  it('keeps a sane incoming x-request-id, returns it, and every line of that request carries it (Fastify\'s and Nest\'s)', async () => {
    const id = 'client-req-0001';
    const res = await fetch(`${app.url}/vectordb/collections`, {
      method: 'POST',
      headers: { ...authHeader(), 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ name: 'logged', dense_vector: { enabled: true, dimension: 4 } }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(id);
    await eventually(() => log.lines.some((l) => l.reqId === id && l.msg === 'request completed'), 10_000, 'the request line');
    const mine = log.lines.filter((l) => l.reqId === id);
    // The collection registry's Nest Logger line, written while the request was handled.
    expect(mine).toContainEqual(expect.objectContaining({ context: 'CollectionRegistry', msg: expect.stringContaining('serving collection logged'), level: 'info' }));
    expect(mine).toContainEqual(expect.objectContaining({ msg: 'request completed', method: 'POST', route: '/vectordb/collections', status: 201, level: 'info' }));
    // Lines that mention this collection were all written inside the request, so all carry its id.
    expect(log.lines.filter((l) => String(l.msg).includes('collection logged')).every((l) => l.reqId === id)).toBe(true);
  });

  it('makes an id when none or an unsafe one is sent, also for refused and unknown requests', async () => {
    const none = await fetch(`${app.url}/vectordb/collections`);
    expect(none.status).toBe(401);
    const made = none.headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => log.lines.some((l) => l.reqId === made && l.status === 401), 10_000, 'the 401 line');

    const unsafe = await fetch(`${app.url}/no/such/route`, { headers: { 'x-request-id': 'evil\tid with spaces' } });
    expect(unsafe.status).toBe(404);
    const replaced = unsafe.headers.get('x-request-id');
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => log.lines.some((l) => l.reqId === replaced && l.route === 'unmatched'), 10_000, 'the 404 line');
    expect(JSON.stringify(log.lines)).not.toContain('evil');
    expect(requestIdFrom('x'.repeat(129))).not.toBe('x'.repeat(129));
    expect(requestIdFrom(['a', 'b'])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('takes its level from INTAKE_LOG_LEVEL: at warn, no info lines, not even per request', async () => {
    const quiet = capture();
    const warnApp = await start(infra, 'warn', quiet.stream);
    try {
      const res = await fetch(`${warnApp.url}/health`);
      expect(res.headers.get('x-request-id')).toBeTruthy();
      expect(quiet.lines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]);
    } finally {
      await warnApp.close();
    }
    // The same requests on the debug node were logged at info.
    expect(log.lines.some((l) => l.level === 'info' && l.msg === 'request completed')).toBe(true);
  });

  it('formats lines for a terminal as readable text with the request id', () => {
    let out = '';
    const sink = new Writable({ write: (chunk, _enc, cb) => ((out += String(chunk)), cb()) });
    const pretty = prettyStream(sink, false);
    pretty.write(JSON.stringify({ level: 'info', time: '2026-12-01T10:00:01.234Z', pid: 1, context: 'Sinks', reqId: 'r-1', msg: 'hello\u0007there', n: 3 }) + '\n');
    expect(out).toBe('10:00:01.234 INFO  [Sinks] hello\\x07there reqId=r-1 n=3\n');
  });
});

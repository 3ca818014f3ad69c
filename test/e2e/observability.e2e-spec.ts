// A tiny Fastify app with the ObservabilityModule and the exception filter: error
// bodies and statuses, the HTTP metrics as Prometheus shows them, and /health
// with contributed checks.

import 'reflect-metadata';
import { Body, Controller, Get, Injectable, Module, OnModuleInit, Param, Post } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Errors } from '../../src/common/errors';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter';
import { HealthContributors, HealthOutcome } from '../../src/observability/health-contributors';
import { MetricsService } from '../../src/observability/metrics';
import { ObservabilityModule } from '../../src/observability/observability.module';

/** What the dummy "widget" check answers; the tests flip it. */
const widget: { outcome: HealthOutcome | Error } = { outcome: { status: 'up', details: { queued: 3 } } };

@Injectable()
class WidgetHealth implements OnModuleInit {
  constructor(
    private readonly contributors: HealthContributors,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.contributors.register({ name: 'log', check: async () => ({ status: 'up' }) });
    this.contributors.register({
      name: 'widget',
      check: async () => {
        if (widget.outcome instanceof Error) throw widget.outcome;
        return widget.outcome;
      },
    });
    this.metrics.registerQueue({ name: 'intake_widget_queue', help: 'Widgets waiting', limit: 64, depth: () => 5 });
  }
}

@Controller('things')
class ThingsController {
  @Get(':id')
  get(@Param('id') id: string): never {
    throw Errors.notFound('thing', id);
  }

  @Post()
  create(@Body() body: unknown): unknown {
    if (Array.isArray((body as { vectors?: unknown })?.vectors)) throw Errors.validation('vectors[3].dense_values', 'expected 128 numbers, got 127');
    return { ok: true, body };
  }

  @Get('boom/now')
  boom(): never {
    throw new Error('secret: password=hunter2');
  }

  @Get('slow/down')
  limited(): never {
    throw Errors.tooManyRequests('stream token over its rate', 1500);
  }

  @Get('auth/needed')
  auth(): never {
    throw Errors.unauthorized();
  }
}

@Module({
  imports: [ObservabilityModule],
  controllers: [ThingsController],
  providers: [WidgetHealth, { provide: APP_FILTER, useClass: HttpExceptionFilter }],
})
class TestAppModule {}

/** Small enough that a test can exceed it cheaply. */
const BODY_BYTES_MAX = 1024;

describe('observability and the exception filter', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(TestAppModule, new FastifyAdapter({ bodyLimit: BODY_BYTES_MAX }), { logger: false });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  async function call(path: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(base + path, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (e.g. /metrics)
    }
    return { status: res.status, body, headers: res.headers };
  }

  const json = (body: string): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers a DomainError with its status and the catalog body', async () => {
    expect(await call('/things/42')).toMatchObject({
      status: 404,
      body: { error: { code: 'INTAKE_NOT_FOUND', message: "thing '42' not found", kind: 'thing', id: '42' } },
    });
    const invalid = await call('/things', json(JSON.stringify({ vectors: [] })));
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({
      error: {
        code: 'INTAKE_VALIDATION',
        message: 'vectors[3].dense_values: expected 128 numbers, got 127',
        field: 'vectors[3].dense_values',
        rule: 'expected 128 numbers, got 127',
      },
    });
    expect(invalid.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('adds Retry-After to 429 and WWW-Authenticate to 401', async () => {
    const limited = await call('/things/slow/down');
    expect(limited).toMatchObject({ status: 429, body: { error: { code: 'INTAKE_RATE_LIMITED', retry_after_ms: 1500 } } });
    expect(limited.headers.get('retry-after')).toBe('2');
    const auth = await call('/things/auth/needed');
    expect(auth).toMatchObject({ status: 401, body: { error: { code: 'INTAKE_UNAUTHORIZED' } } });
    expect(auth.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers an unexpected error with a generic 500 and does not leak its message', async () => {
    const res = await call('/things/boom/now');
    expect(res).toEqual(expect.objectContaining({ status: 500, body: { error: { code: 'INTAKE_INTERNAL', message: 'internal error' } } }));
    // The process is still serving.
    expect((await call('/things', json('{"a":1}'))).body).toEqual({ ok: true, body: { a: 1 } });
  });

  it('maps Nest and Fastify errors to the catalog code of their status, in the same shape', async () => {
    const badJson = await call('/things', json('{"a":'));
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.code).toBe('INTAKE_VALIDATION');
    expect(typeof badJson.body.error.message).toBe('string');

    const tooLarge = await call('/things', json(JSON.stringify({ pad: 'x'.repeat(BODY_BYTES_MAX) })));
    expect(tooLarge).toMatchObject({ status: 413, body: { error: { code: 'INTAKE_PAYLOAD_TOO_LARGE' } } });

    const wrongType = await call('/things', { method: 'POST', headers: { 'content-type': 'application/x-unknown' }, body: 'x' });
    expect(wrongType).toMatchObject({ status: 415, body: { error: { code: 'INTAKE_UNSUPPORTED_MEDIA_TYPE' } } });

    const noRoute = await call('/no/such/route');
    expect(noRoute).toMatchObject({ status: 404, body: { error: { code: 'INTAKE_NOT_FOUND', message: 'Cannot GET /no/such/route' } } });
  });

  it('counts requests in /metrics by route pattern and status, including errors', async () => {
    await call('/things/7');
    await call('/things/8');
    const res = await call('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text: string = res.body;
    const count = (labels: string) => Number(new RegExp(`^intake_http_requests_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1]);
    expect(count('method="GET",route="/things/:id",status="404"')).toBe(3);
    expect(count('method="GET",route="/things/boom/now",status="500"')).toBe(1);
    expect(count('method="GET",route="/things/slow/down",status="429"')).toBe(1);
    expect(count('method="POST",route="/things",status="400"')).toBe(2);
    expect(count('method="POST",route="/things",status="413"')).toBe(1);
    expect(count('method="GET",route="unmatched",status="404"')).toBe(1);
    expect(text).not.toContain('route="/things/7"');
    expect(text).toMatch(/^intake_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/things\/:id",status="404"\} \d+$/m);
    // Node's default metrics and a module's own queue metric share the registry.
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^intake_widget_queue_depth 5$/m);
    expect(text).toMatch(/^intake_widget_queue_limit 64$/m);
  });

  it('lets modules register metrics by name, once', () => {
    const metrics = app.get(MetricsService);
    const a = metrics.registerCounter({ name: 'intake_test_things_total', help: 'things' });
    expect(metrics.registerCounter({ name: 'intake_test_things_total', help: 'things' })).toBe(a);
    expect(() => metrics.registerGauge({ name: 'intake_test_things_total', help: 'things' })).toThrow(/another kind/);
    expect(() => metrics.registerGauge({ name: 'things', help: 'no prefix' })).toThrow(/must match/);
  });

  it('answers /health with every contributed check: 200 when all are up', async () => {
    widget.outcome = { status: 'up', details: { queued: 3 } };
    const res = await call('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      info: { log: { status: 'up' }, widget: { status: 'up', queued: 3 } },
      error: {},
      details: { log: { status: 'up' }, widget: { status: 'up', queued: 3 } },
    });
  });

  it('answers 503 when a check is down or throws, naming it', async () => {
    widget.outcome = { status: 'down', details: { lag: 1234 } };
    let res = await call('/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'error', info: { log: { status: 'up' } }, error: { widget: { status: 'down', lag: 1234 } } });

    widget.outcome = new Error('broker unreachable');
    res = await call('/health');
    expect(res).toMatchObject({ status: 503, body: { status: 'error', error: { widget: { status: 'down', message: 'broker unreachable' } } } });

    widget.outcome = { status: 'up' };
    expect((await call('/health')).status).toBe(200);
  });
});

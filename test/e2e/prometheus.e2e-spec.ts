// A real Prometheus (Debian's `prometheus` package) scrapes a running Intake every
// second while the test drives traffic on every surface; then Prometheus's HTTP API
// is asked for rate(...[1m]) and increase(...[1m]) of the ingest, request and error
// counters, and each must match what the test sent. Each surface's burst is checked
// as soon as Prometheus holds its last value, so the 1-minute window spans it. The
// tolerance is the window's extrapolation (Prometheus stretches the first and last
// sample towards the window's edges): never less than sent, at most 25% more (the series are
// 10 s old or more when a burst starts, so a 1 s scrape stretches them by well under that).
import { randomVectors } from '../support/vectors';
import { eventually } from '../support/broker';
import { authHeader, http, withTestApp } from '../support/app';
import { RunningPrometheus, startPrometheus } from '../support/prometheus';
import { TASKS, textItems, waitForStatus } from '../support/tasks';

jest.setTimeout(600_000);

const DIM = 4;
/** The series exist in Prometheus for at least this long before a burst, so the window's extrapolation stays small. */
const SETTLE_MS = 10_000;

describe('a real Prometheus scraping Intake', () => {
  const t = withTestApp({ db: true });
  let prom: RunningPrometheus;
  const api = (method: string, path: string, body?: unknown) => http(t.app.url, method, path, body);
  const ingestEvents = async (streamId: string, lines: unknown[]) => {
    const res = await fetch(`${t.app.url}/v1/streams/ingest`, {
      method: 'POST',
      headers: { ...authHeader(), 'content-type': 'application/x-ndjson', 'x-stream-id': streamId },
      body: lines.map((l) => JSON.stringify(l)).join('\n'),
    });
    expect(res.status).toBe(200);
  };
  const event = (i: number) => ({ timestamp: '2026-12-01T10:00:00Z', source: 'ops', event: { id: `e${i}`, amount: i } });

  /**
   * Waits until Prometheus's latest value of `counter` (a sum) has grown by `sent` since
   * `before`, then checks increase() and rate()*60 over the last minute against `sent`.
   */
  const expectRate = async (counter: string, before: number, sent: number) => {
    await eventually(async () => (await prom.scalar(`sum(${counter})`)) >= before + sent, 60_000, `${counter} to reach ${before + sent} in Prometheus`);
    expect(await prom.scalar(`sum(${counter})`)).toBe(before + sent);
    const increase = await prom.scalar(`sum(increase(${counter}[1m]))`);
    const rate = await prom.scalar(`sum(rate(${counter}[1m]))`);
    expect({ counter, sent, increase, ok: within(increase, sent) }).toEqual({ counter, sent, increase, ok: true });
    expect({ counter, sent, rateTimes60: rate * 60, ok: within(rate * 60, sent) }).toEqual({ counter, sent, rateTimes60: rate * 60, ok: true });
  };
  const within = (measured: number, sent: number) => measured >= sent * 0.999 && measured <= sent * 1.25;
  const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
  /** Prometheus holds a series for `expr` (so a burst after this is measured from a known baseline). */
  const seriesExist = (exprs: string[]) =>
    eventually(async () => (await Promise.all(exprs.map(async (e) => (await prom.query(e)).length > 0))).every(Boolean), 60_000, `series ${exprs.join(', ')}`);

  beforeAll(async () => {
    const target = new URL(t.app.url).host.replace('0.0.0.0', '127.0.0.1');
    prom = await startPrometheus(target);
    t.onTeardown(() => prom.stop());
  });

  it('collections: upserts (records applied), requests and 400s', async () => {
    expect((await api('POST', '/vectordb/collections', { name: 'ops', dense_vector: { enabled: true, dimension: DIM } })).status).toBe(201);
    const vectors = randomVectors(41, DIM, 7);
    expect((await api('POST', '/vectordb/collections/ops/streaming/upsert', { vectors: [{ id: 'v40', dense_values: vectors[40] }] })).status).toBe(200);
    expect((await api('POST', '/vectordb/collections/ops/streaming/upsert', { vectors: [{ id: 'bad', dense_values: [1] }] })).status).toBe(400);
    expect((await api('POST', '/vectordb/collections/ops/search/dense', { query_vector: vectors[40], top_k: 1 })).status).toBe(200);
    const upsertOk = 'intake_http_requests_total{route="/vectordb/collections/:id/streaming/upsert", status="200"}';
    const upsertBad = 'intake_http_requests_total{route="/vectordb/collections/:id/streaming/upsert", status="400"}';
    const applied = 'intake_collection_applied_offset{collection="ops"}';
    await seriesExist([upsertOk, upsertBad, applied]);
    await eventually(async () => (await prom.scalar(`sum(${applied})`)) === 1, 60_000, 'the first vector applied');
    await settle();
    const before = { ok: await prom.scalar(`sum(${upsertOk})`), bad: await prom.scalar(`sum(${upsertBad})`), applied: await prom.scalar(`sum(${applied})`) };

    for (let r = 0; r < 4; r++) {
      const batch = vectors.slice(r * 10, r * 10 + 10).map((v, i) => ({ id: `v${r * 10 + i}`, dense_values: v }));
      expect((await api('POST', '/vectordb/collections/ops/streaming/upsert', { vectors: batch })).status).toBe(200);
    }
    for (let r = 0; r < 3; r++) {
      expect((await api('POST', '/vectordb/collections/ops/streaming/upsert', { vectors: [{ id: 'short', dense_values: [1, 2] }] })).status).toBe(400);
    }
    for (let r = 0; r < 5; r++) {
      expect((await api('POST', '/vectordb/collections/ops/search/dense', { query_vector: vectors[r], top_k: 1 })).status).toBe(200);
    }

    await expectRate(upsertOk, before.ok, 4);
    await expectRate(upsertBad, before.bad, 3);
    await expectRate(applied, before.applied, 40);
    // Index size: the gauge shows every live vector.
    await eventually(async () => (await prom.scalar('intake_collection_vectors{collection="ops"}')) === 41, 30_000, '41 vectors in Prometheus');
    // Latency: a histogram Prometheus can take quantiles of.
    const p99 = await prom.scalar('histogram_quantile(0.99, sum by (le) (rate(intake_http_request_duration_seconds_bucket{route="/vectordb/collections/:id/search/dense"}[1m])))');
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThanOrEqual(10);
  });

  it('index sessions: a duplicate id in insert mode is an asynchronous ingest error', async () => {
    expect((await api('POST', '/vectordb/collections', { name: 'ops-sessions', dense_vector: { enabled: true, dimension: DIM } })).status).toBe(201);
    const base = randomVectors(4, DIM, 9);
    const upsert = await api('POST', '/vectordb/collections/ops-sessions/streaming/upsert', { vectors: base.map((v, i) => ({ id: `s${i}`, dense_values: v })) });
    expect(upsert.status).toBe(200);
    const errors = 'intake_ingest_errors_total{surface="collection", reason="DUPLICATE_ID"}';
    const ingests = 'intake_http_requests_total{route="/ingest", status="200"}';
    // Warm-up session: one duplicate, so the error series exists before the measured one.
    expect((await api('POST', '/init', { index_name: 'ops-sessions', mode: 'insert' })).status).toBe(200);
    expect((await api('POST', '/ingest', { index_name: 'ops-sessions', external_id: 's0', vector: base[1] })).status).toBe(200);
    expect((await api('POST', '/finalize', { index_name: 'ops-sessions' })).status).toBe(200);
    await seriesExist([errors, ingests]);
    await settle();
    const before = { errors: await prom.scalar(`sum(${errors})`), ingests: await prom.scalar(`sum(${ingests})`) };

    expect((await api('POST', '/init', { index_name: 'ops-sessions', mode: 'insert' })).status).toBe(200);
    for (const id of ['s1', 's2', 's3', 'new-1', 'new-2']) {
      expect((await api('POST', '/ingest', { index_name: 'ops-sessions', external_id: id, vector: base[0] })).status).toBe(200);
    }
    expect((await api('POST', '/finalize', { index_name: 'ops-sessions' })).status).toBe(200);

    await expectRate(ingests, before.ingests, 5);
    await expectRate(errors, before.errors, 3);
  });

  it('sinks: records sent and refused by validation, requests', async () => {
    expect((await api('POST', '/v2/tables', { name: 'ops_rows', columns: [{ name: 'id', type: 'id' }, { name: 'n', type: 'int' }] })).status).toBe(201);
    expect((await api('POST', '/v2/sinks', { name: 'ops-sink', table: 'ops_rows', id_field: 'id', partitions: 1 })).status).toBe(201);
    const post = async (from: number, valid: number, invalid: number) => {
      const records = [
        ...Array.from({ length: valid }, (_, i) => ({ value: { id: `r${from + i}`, n: from + i } })),
        ...Array.from({ length: invalid }, () => ({ value: { id: 'bad', n: 'not a number' } })),
      ];
      const res = await api('POST', '/v2/sinks/ops-sink', { records });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ success_count: valid, error_count: invalid });
    };
    await post(0, 1, 1);
    const sent = 'intake_sink_records_total{sink="ops-sink", outcome="sent"}';
    const failed = 'intake_sink_records_total{sink="ops-sink", outcome="failed"}';
    const requests = 'intake_sink_requests_total{sink="ops-sink"}';
    const applied = 'intake_sink_rows_applied_total{sink="ops-sink"}';
    await seriesExist([sent, failed, requests, applied]);
    await settle();
    const before = {
      sent: await prom.scalar(`sum(${sent})`),
      failed: await prom.scalar(`sum(${failed})`),
      requests: await prom.scalar(`sum(${requests})`),
      applied: await prom.scalar(`sum(${applied})`),
    };

    await post(100, 8, 2);
    await post(200, 8, 2);
    await post(300, 8, 2);

    await expectRate(sent, before.sent, 24);
    await expectRate(failed, before.failed, 6);
    await expectRate(requests, before.requests, 3);
    await expectRate(applied, before.applied, 24);
    await eventually(async () => (await prom.query('intake_consumer_lag_messages{surface="sinks"}')).some((s) => s.value === 0), 60_000, 'sink lag 0');
  });

  it('streams: events accepted and delivered', async () => {
    const created = await api('POST', '/v1/streams', { name: 'ops-stream', partitions: 1, destinations: [{ name: 'f', type: 'file' }] });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    await ingestEvents(id, [event(0)]);
    const accepted = `intake_stream_events_total{stream="${id}", outcome="in"}`;
    const delivered = `intake_stream_deliveries_total{stream="${id}"}`;
    await seriesExist([accepted, delivered]);
    await settle();
    const before = { accepted: await prom.scalar(`sum(${accepted})`), delivered: await prom.scalar(`sum(${delivered})`) };

    await ingestEvents(id, Array.from({ length: 10 }, (_, i) => event(100 + i)));
    await ingestEvents(id, Array.from({ length: 15 }, (_, i) => event(200 + i)));

    await expectRate(accepted, before.accepted, 25);
    await expectRate(delivered, before.delivered, 25);
  });

  it('tasks: items processed and failed', async () => {
    // These counters have no labels, so they exist (at 0) from the start: no warm-up, which would fall inside the window.
    const processed = 'intake_upsertion_task_items_processed_total';
    const failed = 'intake_upsertion_task_items_failed_total';
    await seriesExist([processed, failed]);
    const before = { processed: await prom.scalar(`sum(${processed})`), failed: await prom.scalar(`sum(${failed})`) };

    const items = [...textItems('ops', 10), { object_id: 'ops-blank', payload: { text: '  ' } }, { object_id: 'ops-none', payload: { n: 1 } }];
    expect((await api('POST', `${TASKS}/run`, { task_id: 'ops-task', items })).status).toBe(201);
    await waitForStatus(t.app.url, 'ops-task', 'done');

    await expectRate(processed, before.processed, 10);
    await expectRate(failed, before.failed, 2);
    await eventually(async () => (await prom.scalar('intake_upsertion_tasks{status="done"}')) === 1, 30_000, 'one done tasks in Prometheus');
  });

  it('every request answered is counted: the node-wide request rate matches Intake\'s own count', async () => {
    // /metrics itself is scraped every second, so compare the counters without it.
    const expr = 'intake_http_requests_total{route!="/metrics"}';
    const text = await (await fetch(`${t.app.url}/metrics`)).text();
    const own = text
      .split('\n')
      .filter((l) => l.startsWith('intake_http_requests_total{') && !l.includes('route="/metrics"'))
      .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    await eventually(async () => (await prom.scalar(`sum(${expr})`)) >= own, 30_000, 'Prometheus to hold every request');
    expect(await prom.scalar(`sum(${expr})`)).toBe(own);
    // The data-dir disk gauges a "disk almost full" alert divides.
    const free = await prom.scalar('intake_data_dir_free_bytes');
    const size = await prom.scalar('intake_data_dir_size_bytes');
    expect(size).toBeGreaterThan(0);
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(size);
  });
});

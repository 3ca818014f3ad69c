// Every Grafana dashboard (grafana/dashboards) and alert rule file (prometheus/rules)
// names only metrics a running Intake exposes: traffic on every surface first, so the
// labelled series exist, then every name in every query must be on /metrics. Each
// expression must also be accepted by a real Prometheus (Debian's package), with
// Grafana's variables filled in, and the committed dashboards must be what
// grafana/build-dashboards.mjs writes.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { eventually } from '../support/broker';
import { authHeader, http, withTestApp } from '../support/app';
import { RunningPrometheus, startPrometheus } from '../support/prometheus';
import { exposedNames, metricNames } from '../support/promql-names';
import { TASKS, textItems, waitForStatus } from '../support/tasks';
import { randomVectors } from '../support/vectors';

jest.setTimeout(600_000);

const ROOT = path.join(__dirname, '..', '..');
const DASHBOARDS = path.join(ROOT, 'grafana', 'dashboards');
const RULES = path.join(ROOT, 'prometheus', 'rules');
const DIM = 4;

interface Query {
  file: string;
  where: string;
  expr: string;
}

/** Every `expr` of every panel target (nested rows too) and every templating query's metric. */
function dashboardQueries(file: string): Query[] {
  const out: Query[] = [];
  const dashboard = JSON.parse(fs.readFileSync(path.join(DASHBOARDS, file), 'utf8'));
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, where));
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    const here = typeof o.title === 'string' ? o.title : where;
    if (typeof o.expr === 'string') out.push({ file, where: here, expr: o.expr });
    for (const [k, v] of Object.entries(o)) if (k !== 'templating') walk(v, here);
  };
  walk(dashboard.panels, '');
  for (const v of dashboard.templating?.list ?? []) {
    const m = /^label_values\(\s*([^,)]+)\s*,/.exec(v.definition ?? '');
    if (m) out.push({ file, where: `variable ${v.name}`, expr: m[1] });
  }
  return out;
}

function ruleQueries(file: string): Query[] {
  const doc = parseYaml(fs.readFileSync(path.join(RULES, file), 'utf8')) as { groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ file, where: r.alert ?? r.record ?? g.name, expr: r.expr })));
}

/** Grafana's variables as Grafana would fill them for "All" over the last hour. */
const asPrometheusQuery = (expr: string) => expr.replace(/\$__rate_interval/g, '1m').replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, '.*');

describe('metric names in the PromQL parser', () => {
  it('finds metrics and skips functions, keywords, comments, label lists, matchers, durations and numbers', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{route=~"/x{y}", le!="1"}[$__rate_interval])))')).toEqual(['a_bucket']);
    expect(metricNames('sum by (instance) (rate(b_total[5m])) / on (instance) group_left (x) c > 1e-9 and d unless e offset 5m')).toEqual(['b_total', 'c', 'd', 'e']);
    expect(metricNames('1 - free{instance=~"$instance"} / size')).toEqual(['free', 'size']);
    expect(metricNames('max(x) / (sum(rate(y[1m])) > 0)')).toEqual(['x', 'y']);
    expect(metricNames('sum(\n  # a comment: with words\n  rate(z{a="#"}[5m])\n)')).toEqual(['z']);
  });
});

describe('dashboards and alert rules against a running Intake', () => {
  const t = withTestApp({ db: true });
  let prom: RunningPrometheus;
  const api = (method: string, p: string, body?: unknown) => http(t.app.url, method, p, body);
  const dashboardFiles = fs.readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'));
  const ruleFiles = fs.readdirSync(RULES).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
  const queries = () => [...dashboardFiles.flatMap(dashboardQueries), ...ruleFiles.flatMap(ruleQueries)];

  beforeAll(async () => {
    // Traffic on every surface, so every labelled series a query selects exists.
    expect((await api('POST', '/vectordb/collections', { name: 'dash', dense_vector: { enabled: true, dimension: DIM } })).status).toBe(201);
    const v = randomVectors(3, DIM, 3);
    expect((await api('POST', '/vectordb/collections/dash/streaming/upsert', { vectors: v.map((x, i) => ({ id: `d${i}`, dense_values: x })) })).status).toBe(200);
    expect((await api('POST', '/vectordb/collections/dash/search/dense', { query_vector: v[0], top_k: 1 })).status).toBe(200);
    expect((await api('POST', '/init', { index_name: 'dash', mode: 'insert' })).status).toBe(200);
    expect((await api('POST', '/ingest', { index_name: 'dash', external_id: 'd0', vector: v[1] })).status).toBe(200);
    expect((await api('POST', '/finalize', { index_name: 'dash' })).status).toBe(200);
    expect((await api('POST', '/v2/tables', { name: 'dash_rows', columns: [{ name: 'id', type: 'id' }, { name: 'n', type: 'int' }] })).status).toBe(201);
    expect((await api('POST', '/v2/sinks', { name: 'dash-sink', table: 'dash_rows', id_field: 'id', partitions: 1 })).status).toBe(201);
    const sink = await api('POST', '/v2/sinks/dash-sink?wait=applied', { records: [{ value: { id: 'a', n: 1 } }, { value: { id: 'b', n: 'x' } }] });
    expect(sink.body).toMatchObject({ success_count: 1, error_count: 1 });
    const stream = await api('POST', '/v1/streams', { name: 'dash-stream', partitions: 1, destinations: [{ name: 'f', type: 'file' }] });
    expect(stream.status).toBe(201);
    const ingest = await fetch(`${t.app.url}/v1/streams/ingest`, {
      method: 'POST',
      headers: { ...authHeader(), 'content-type': 'application/json', 'x-stream-id': stream.body.id },
      body: JSON.stringify({ timestamp: '2026-12-01T10:00:00Z', source: 'dash', event: { id: 1 } }),
    });
    expect(ingest.status).toBe(200);
    expect((await api('POST', `${TASKS}/run`, { task_id: 'dash-task', items: textItems('dash', 2) })).status).toBe(201);
    await waitForStatus(t.app.url, 'dash-task', 'done');
    // The duplicate id is filed asynchronously; wait for its series.
    await eventually(async () => (await (await fetch(`${t.app.url}/metrics`)).text()).includes('intake_ingest_errors_total{'), 60_000, 'an ingest error series');
    await eventually(async () => (await (await fetch(`${t.app.url}/metrics`)).text()).includes('intake_stream_deliveries_total{'), 60_000, 'a delivery series');

    prom = await startPrometheus(new URL(t.app.url).host.replace('0.0.0.0', '127.0.0.1'));
    t.onTeardown(() => prom.stop());
  });

  it('has one overview and one dashboard per surface, and every rule file passes promtool', () => {
    expect(dashboardFiles.sort()).toEqual(['broker.json', 'collections.json', 'index-sessions.json', 'intake.json', 'sinks.json', 'streams.json', 'tasks.json']);
    expect(ruleFiles.length).toBeGreaterThan(0);
    const out = execFileSync('promtool', ['check', 'rules', ...ruleFiles.map((f) => path.join(RULES, f))], { encoding: 'utf8' });
    expect(out).toContain('SUCCESS');
    // The committed JSON is what the generator writes (exit 1 otherwise).
    execFileSync('node', [path.join(ROOT, 'grafana', 'build-dashboards.mjs'), '--check'], { encoding: 'utf8' });
  });

  it('names only metrics that exist on /metrics', async () => {
    const exposed = exposedNames(await (await fetch(`${t.app.url}/metrics`)).text());
    const all = queries();
    expect(all.length).toBeGreaterThan(50);
    const missing = all.flatMap((q) => metricNames(q.expr).filter((n) => !exposed.has(n)).map((n) => `${q.file} / ${q.where}: ${n}`));
    expect(missing).toEqual([]);
    // Every dashboard and rule file reads at least one Intake metric.
    for (const file of [...dashboardFiles, ...ruleFiles]) {
      expect({ file, intakeMetrics: all.filter((q) => q.file === file).some((q) => metricNames(q.expr).some((n) => n.startsWith('intake_'))) }).toEqual({ file, intakeMetrics: true });
    }
  });

  it('every query is valid PromQL to a real Prometheus, and the dashboards\' queries answer data after traffic', async () => {
    // Two scrapes at least, so rate() over them has points.
    await eventually(async () => (await prom.scalar('count_over_time(up{job="intake"}[1m])')) >= 5, 60_000, 'five scrapes');
    const refused: string[] = [];
    const empty: string[] = [];
    for (const q of queries()) {
      const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(asPrometheusQuery(q.expr))}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
      if (body.status !== 'success') refused.push(`${q.file} / ${q.where}: ${body.error}`);
      else if (q.file.endsWith('.json') && body.data?.result.length === 0) empty.push(`${q.file} / ${q.where}: ${q.expr}`);
    }
    expect(refused).toEqual([]);
    // Queries that may rightly be empty on a quiet node: a quantile or ratio over no traffic
    // in the window, a lag in seconds while nothing is applied, a label-less gauge filtered away.
    const quiet = empty.filter((e) => !/histogram_quantile|> 0\)|lag in seconds|Lag in seconds|Errors|errors/i.test(e));
    expect(quiet).toEqual([]);
  });
});

// Writes grafana/dashboards/*.json from the compact definitions below: one overview
// (intake.json, Grafana's home dashboard in docker-compose.yml) and one per surface.
// Run `node grafana/build-dashboards.mjs` after editing; the JSON files are committed
// so Grafana's file provisioning reads them as they are. test/e2e/dashboards.e2e-spec.ts
// checks that the committed files are what this script writes and that every metric
// their queries name exists on a running Intake's /metrics.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboards');
const INST = 'instance=~"$instance"';

/** p50/p95/p99 of intake_http_request_duration_seconds over routes matching `route` (a regex). */
const latency = (route) =>
  [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (le, route) (rate(intake_http_request_duration_seconds_bucket{${INST}, route=~"${route}"}[$__rate_interval])))`,
    legend: `p${Math.round(q * 100)} {{route}}`,
  }));
const requests = (route) => [{ expr: `sum by (route, status) (rate(intake_http_requests_total{${INST}, route=~"${route}"}[$__rate_interval]))`, legend: '{{route}} {{status}}' }];
const errors = (route) => [
  { expr: `sum by (route, status) (rate(intake_http_requests_total{${INST}, route=~"${route}", status=~"4..|5.."}[$__rate_interval]))`, legend: '{{route}} {{status}}' },
];
const ingestErrors = (surface) => [
  { expr: `sum by (reason) (rate(intake_ingest_errors_total{${INST}, surface="${surface}"}[$__rate_interval]))`, legend: '{{reason}}' },
];
const lag = (surface) => [{ expr: `max by (instance) (intake_consumer_lag_messages{${INST}, surface="${surface}"})`, legend: '{{instance}}' }];
/** Lag in seconds: messages behind divided by the rate they are applied at (no value while nothing is applied). */
const lagSeconds = (surface, appliedRate) => [
  { expr: `max(intake_consumer_lag_messages{${INST}, surface="${surface}"}) / (${appliedRate} > 0)`, legend: 'seconds to catch up' },
];
const queue = (name) => [
  { expr: `sum by (instance) (${name}_depth{${INST}})`, legend: 'depth {{instance}}' },
  { expr: `max(${name}_limit{${INST}})`, legend: 'limit' },
];

const SURFACE_ROUTES = {
  collections: '/vectordb/collections.*',
  sessions: '/init|/ingest|/ingest/batch|/ingest/status|/finalize',
  sinks: '/v2/sinks.*|/v2/tables.*',
  streams: '/v1/streams.*',
  tasks: '/embeddings/upsertion-tasks.*',
};

const APPLIED = {
  collections: `sum(rate(intake_collection_applied_offset{${INST}}[$__rate_interval]))`,
  sinks: `sum(rate(intake_sink_rows_applied_total{${INST}}[$__rate_interval]))`,
  streams: `sum(rate(intake_stream_deliveries_total{${INST}}[$__rate_interval]))`,
};

const dashboards = [
  {
    file: 'intake.json',
    uid: 'intake-overview',
    title: 'Intake — overview',
    rows: [
      ['HTTP', [
        ['Requests/s by status', 'reqps', [{ expr: `sum by (status) (rate(intake_http_requests_total{${INST}, route!="/metrics"}[$__rate_interval]))`, legend: '{{status}}' }]],
        ['Error share (4xx, 5xx)', 'percentunit', [
          { expr: `(sum(rate(intake_http_requests_total{${INST}, status=~"4.."}[$__rate_interval])) or vector(0)) / clamp_min(sum(rate(intake_http_requests_total{${INST}}[$__rate_interval])), 1e-9)`, legend: '4xx' },
          { expr: `(sum(rate(intake_http_requests_total{${INST}, status=~"5.."}[$__rate_interval])) or vector(0)) / clamp_min(sum(rate(intake_http_requests_total{${INST}}[$__rate_interval])), 1e-9)`, legend: '5xx' },
        ]],
        ['Latency p50 / p95 / p99 (all routes)', 's', [0.5, 0.95, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le) (rate(intake_http_request_duration_seconds_bucket{${INST}, route!="/metrics"}[$__rate_interval])))`,
          legend: `p${Math.round(q * 100)}`,
        }))],
      ]],
      ['Ingest', [
        ['Records accepted/s by surface', 'ops', [
          { expr: `sum(rate(intake_collection_applied_offset{${INST}}[$__rate_interval]))`, legend: 'collections (applied)' },
          { expr: `sum(rate(intake_sink_records_total{${INST}, outcome="sent"}[$__rate_interval]))`, legend: 'sinks' },
          { expr: `sum(rate(intake_stream_events_total{${INST}, outcome="in"}[$__rate_interval]))`, legend: 'streams' },
          { expr: `sum(rate(intake_upsertion_task_items_processed_total{${INST}}[$__rate_interval]))`, legend: 'tasks' },
        ]],
        ['Errors/s: refused by validation and filed in ingest_errors', 'ops', [
          { expr: `sum(rate(intake_sink_records_total{${INST}, outcome="failed"}[$__rate_interval]))`, legend: 'sinks: refused' },
          { expr: `sum(rate(intake_stream_events_total{${INST}, outcome="failed"}[$__rate_interval]))`, legend: 'streams: failed' },
          { expr: `sum(rate(intake_upsertion_task_items_failed_total{${INST}}[$__rate_interval]))`, legend: 'tasks: failed items' },
          { expr: `sum by (surface) (rate(intake_ingest_errors_total{${INST}}[$__rate_interval]))`, legend: 'ingest_errors: {{surface}}' },
        ]],
        ['Consumer lag (log messages) by surface', 'short', [{ expr: `max by (surface) (intake_consumer_lag_messages{${INST}})`, legend: '{{surface}}' }]],
      ]],
      ['Node', [
        ['Data dir disk used', 'percentunit', [{ expr: `1 - intake_data_dir_free_bytes{${INST}} / intake_data_dir_size_bytes{${INST}}`, legend: '{{instance}}' }]],
        ['CPU', 'percentunit', [{ expr: `rate(process_cpu_seconds_total{${INST}}[$__rate_interval])`, legend: '{{instance}}' }]],
        ['Memory: heap used, RSS', 'bytes', [
          { expr: `nodejs_heap_size_used_bytes{${INST}}`, legend: 'heap {{instance}}' },
          { expr: `process_resident_memory_bytes{${INST}}`, legend: 'rss {{instance}}' },
        ]],
        ['Event-loop lag p99', 's', [{ expr: `nodejs_eventloop_lag_p99_seconds{${INST}}`, legend: '{{instance}}' }]],
      ]],
    ],
  },
  {
    file: 'collections.json',
    uid: 'intake-collections',
    title: 'Intake — collections',
    collectionVar: true,
    rows: [
      ['Requests', [
        ['Requests/s by route and status', 'reqps', requests(SURFACE_ROUTES.collections)],
        ['Latency p50 / p95 / p99', 's', latency(SURFACE_ROUTES.collections)],
        ['Errors/s (400 refused, 503 apply timeout or backlog)', 'reqps', errors(SURFACE_ROUTES.collections)],
      ]],
      ['Index', [
        ['Vectors per collection (index size)', 'short', [{ expr: `max by (collection) (intake_collection_vectors{${INST}, collection=~"$collection"})`, legend: '{{collection}}' }]],
        ['Records applied/s', 'ops', [{ expr: `sum by (collection) (rate(intake_collection_applied_offset{${INST}, collection=~"$collection"}[$__rate_interval]))`, legend: '{{collection}}' }]],
        ['Applied offset per shard', 'short', [{ expr: `intake_collection_applied_offset{${INST}, collection=~"$collection"}`, legend: '{{collection}}/{{shard}} {{instance}}' }]],
        ['Consumer lag (records)', 'short', lag('collections')],
        ['Lag in seconds (records behind / apply rate)', 's', lagSeconds('collections', APPLIED.collections)],
        ['Records filed in ingest_errors/s', 'ops', ingestErrors('collection')],
      ]],
      ['Shard workers', [
        ['Inbox depth per worker', 'short', [{ expr: `intake_shard_worker_inbox_depth{${INST}}`, legend: 'worker {{worker}} {{instance}}' }]],
        ['Waiting for an inbox', 'short', queue('intake_shard_worker_inbox_waiting')],
        ['Writes waiting to be applied', 'short', queue('intake_applied_offset_waiters')],
        ['Worker restarts', 'short', [{ expr: `intake_shard_worker_restarts{${INST}}`, legend: '{{instance}}' }]],
      ]],
    ],
  },
  {
    file: 'index-sessions.json',
    uid: 'intake-index-sessions',
    title: 'Intake — index sessions',
    collectionVar: true,
    rows: [
      ['Requests', [
        ['Requests/s by route and status', 'reqps', requests(SURFACE_ROUTES.sessions)],
        ['Latency p50 / p95 / p99', 's', latency(SURFACE_ROUTES.sessions)],
        ['Errors/s', 'reqps', errors(SURFACE_ROUTES.sessions)],
      ]],
      ['Builds', [
        ['Shard builds waiting for a worker', 'short', queue('intake_shard_builds_waiting')],
        ['Vectors per collection (index size)', 'short', [{ expr: `max by (collection) (intake_collection_vectors{${INST}, collection=~"$collection"})`, legend: '{{collection}}' }]],
        ['Duplicates and other records filed in ingest_errors/s', 'ops', ingestErrors('collection')],
      ]],
    ],
  },
  {
    file: 'sinks.json',
    uid: 'intake-sinks',
    title: 'Intake — sinks',
    rows: [
      ['Rates', [
        ['Requests/s per sink', 'reqps', [{ expr: `sum by (sink) (rate(intake_sink_requests_total{${INST}}[$__rate_interval]))`, legend: '{{sink}}' }]],
        ['Records/s per sink: sent (ingest) and refused (validation)', 'ops', [{ expr: `sum by (sink, outcome) (rate(intake_sink_records_total{${INST}}[$__rate_interval]))`, legend: '{{sink}} {{outcome}}' }]],
        ['Rows applied/s per sink', 'ops', [{ expr: `sum by (sink) (rate(intake_sink_rows_applied_total{${INST}}[$__rate_interval]))`, legend: '{{sink}}' }]],
        ['Records filed in ingest_errors/s (asynchronous errors)', 'ops', ingestErrors('sink')],
      ]],
      ['Lag and latency', [
        ['Consumer lag (log messages, cluster)', 'short', lag('sinks')],
        ['Lag in seconds (messages behind / apply rate)', 's', lagSeconds('sinks', APPLIED.sinks)],
        ['Latency p50 / p95 / p99', 's', latency(SURFACE_ROUTES.sinks)],
        ['HTTP errors/s (503: written but not applied in time)', 'reqps', errors(SURFACE_ROUTES.sinks)],
        ['Metric buckets waiting for Postgres', 'short', queue('intake_sink_metric_buckets')],
      ]],
    ],
  },
  {
    file: 'streams.json',
    uid: 'intake-streams',
    title: 'Intake — streams',
    rows: [
      ['Rates', [
        ['Events/s by outcome', 'ops', [{ expr: `sum by (outcome) (rate(intake_stream_events_total{${INST}}[$__rate_interval]))`, legend: '{{outcome}}' }]],
        ['Events accepted/s per stream', 'ops', [{ expr: `sum by (stream) (rate(intake_stream_events_total{${INST}, outcome="in"}[$__rate_interval]))`, legend: '{{stream}}' }]],
        ['Deliveries/s per destination', 'ops', [{ expr: `sum by (stream, destination) (rate(intake_stream_deliveries_total{${INST}}[$__rate_interval]))`, legend: '{{stream}}/{{destination}}' }]],
        ['Records filed in ingest_errors/s', 'ops', ingestErrors('stream')],
      ]],
      ['Lag and latency', [
        ['Consumer lag (log messages, cluster)', 'short', lag('streams')],
        ['Lag in seconds (messages behind / delivery rate)', 's', lagSeconds('streams', APPLIED.streams)],
        ['Latency p50 / p95 / p99', 's', latency(SURFACE_ROUTES.streams)],
        ['HTTP errors/s (429: over the stream\'s rate)', 'reqps', errors(SURFACE_ROUTES.streams)],
        ['Metric buckets waiting for Postgres', 'short', queue('intake_stream_metric_buckets')],
      ]],
    ],
  },
  {
    file: 'tasks.json',
    uid: 'intake-tasks',
    title: 'Intake — upsertion tasks',
    rows: [
      ['Tasks', [
        ['Tasks by status (cluster)', 'short', [{ expr: `max by (status) (intake_upsertion_tasks{${INST}})`, legend: '{{status}}' }]],
        ['Items/s: upserted and failed', 'ops', [
          { expr: `sum(rate(intake_upsertion_task_items_processed_total{${INST}}[$__rate_interval]))`, legend: 'upserted' },
          { expr: `sum(rate(intake_upsertion_task_items_failed_total{${INST}}[$__rate_interval]))`, legend: 'failed' },
        ]],
        ['Embedder call p50 / p95 / p99', 's', [0.5, 0.95, 0.99].map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le) (rate(intake_upsertion_task_embedding_seconds_bucket{${INST}}[$__rate_interval])))`,
          legend: `p${Math.round(q * 100)}`,
        }))],
      ]],
      ['Requests', [
        ['Requests/s by route and status', 'reqps', requests(SURFACE_ROUTES.tasks)],
        ['Latency p50 / p95 / p99', 's', latency(SURFACE_ROUTES.tasks)],
        ['Records filed in ingest_errors/s', 'ops', ingestErrors('task')],
      ]],
    ],
  },
  {
    file: 'broker.json',
    uid: 'intake-broker',
    title: 'Intake — log and embedded broker',
    rows: [
      ['Appends', [
        ['Append queue: bytes waiting vs limit', 'bytes', queue('intake_log_append_queue_bytes')],
        ['Append queue fill', 'percentunit', [{ expr: `max by (instance) (intake_log_append_queue_bytes_depth{${INST}} / intake_log_append_queue_bytes_limit{${INST}})`, legend: '{{instance}}' }]],
        ['Consumer lag by surface (messages)', 'short', [{ expr: `max by (surface) (intake_consumer_lag_messages{${INST}})`, legend: '{{surface}}' }]],
      ]],
      ['Storage (the embedded broker keeps its log under the data dir)', [
        ['Data dir: free and total', 'bytes', [
          { expr: `intake_data_dir_free_bytes{${INST}}`, legend: 'free {{instance}}' },
          { expr: `intake_data_dir_size_bytes{${INST}}`, legend: 'total {{instance}}' },
        ]],
        ['Open file descriptors', 'short', [{ expr: `process_open_fds{${INST}}`, legend: '{{instance}}' }]],
      ]],
    ],
  },
];

function build(d) {
  const panels = [];
  let id = 1;
  let y = 0;
  for (const [rowTitle, rowPanels] of d.rows) {
    panels.push({ type: 'row', title: rowTitle, id: id++, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    rowPanels.forEach(([title, unit, targets], i) => {
      const x = (i % 3) * 8;
      if (i > 0 && i % 3 === 0) y += 8;
      panels.push({
        type: 'timeseries',
        title,
        id: id++,
        datasource: { type: 'prometheus', uid: 'prometheus' },
        gridPos: { h: 8, w: 8, x, y },
        fieldConfig: { defaults: { unit, min: 0 }, overrides: [] },
        options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
        targets: targets.map((t, k) => ({ refId: String.fromCharCode(65 + k), datasource: { type: 'prometheus', uid: 'prometheus' }, expr: t.expr, legendFormat: t.legend })),
      });
    });
    y += 8;
  }
  const variables = [
    {
      name: 'instance',
      label: 'Node',
      type: 'query',
      datasource: { type: 'prometheus', uid: 'prometheus' },
      query: { query: 'label_values(intake_http_requests_total, instance)', refId: 'instance' },
      definition: 'label_values(intake_http_requests_total, instance)',
      includeAll: true,
      multi: true,
      allValue: '.*',
      current: { text: 'All', value: '$__all' },
      refresh: 2,
      sort: 1,
    },
  ];
  if (d.collectionVar) {
    variables.push({
      name: 'collection',
      label: 'Collection',
      type: 'query',
      datasource: { type: 'prometheus', uid: 'prometheus' },
      query: { query: 'label_values(intake_collection_vectors, collection)', refId: 'collection' },
      definition: 'label_values(intake_collection_vectors, collection)',
      includeAll: true,
      multi: true,
      allValue: '.*',
      current: { text: 'All', value: '$__all' },
      refresh: 2,
      sort: 1,
    });
  }
  return {
    uid: d.uid,
    title: d.title,
    tags: ['intake'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: false,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: variables },
    links: [{ type: 'dashboards', tags: ['intake'], asDropdown: true, title: 'Intake dashboards' }],
    panels,
  };
}

export function render() {
  return Object.fromEntries(dashboards.map((d) => [d.file, JSON.stringify(build(d), null, 2) + '\n']));
}

// `--check`: exit 1 naming every file that differs from what this script writes (or is not written by it).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = render();
  if (process.argv.includes('--check')) {
    const stale = Object.entries(wanted).filter(([file, text]) => !fs.existsSync(path.join(DIR, file)) || fs.readFileSync(path.join(DIR, file), 'utf8') !== text).map(([f]) => f);
    const extra = fs.readdirSync(DIR).filter((f) => !(f in wanted));
    if (stale.length + extra.length > 0) {
      console.error(`stale: ${stale.join(', ') || '-'}; not generated: ${extra.join(', ') || '-'} (run node grafana/build-dashboards.mjs)`);
      process.exit(1);
    }
  } else {
    for (const [file, text] of Object.entries(wanted)) fs.writeFileSync(path.join(DIR, file), text);
    console.log(`wrote ${dashboards.length} dashboards to ${DIR}`);
  }
}

// METRICS: ingest, request and error rate per minute (GET /v2/sinks/{id}/metrics),
// with gaps where a minute had no traffic (see minute-chart.js), refreshed every 10 s.
import { useState } from 'preact/hooks';
import { api, seg, url } from '../api.js';
import { MinuteChart, minuteSeries } from '../minute-chart.js';
import { ErrorBox, html, useLoad } from '../ui.js';

const REFRESH_MS = 10_000;
const WINDOWS = [
  [60, 'last hour'],
  [360, 'last 6 hours'],
  [1440, 'last 24 hours'],
];
const SERIES = [
  ['ingest_rate', 'ingest (records/min)', '#2f6fde'],
  ['request_rate', 'requests/min', '#1c8a4c'],
  ['error_rate', 'errors (records/min)', '#c23b3b'],
];
const CHART_SERIES = SERIES.map(([key, label, colour]) => [label, colour, (b) => b[key]]);

export function SinkMetrics({ name }) {
  const [minutes, setMinutes] = useState(60);
  const [auto, setAuto] = useState(true);
  const metrics = useLoad(
    async (signal) => {
      const to = Date.now();
      const from = to - minutes * 60_000;
      const body = await api('GET', url(`/v2/sinks/${seg(name)}/metrics`, { from: new Date(from).toISOString(), to: new Date(to).toISOString() }), undefined, { signal });
      return { buckets: body.metrics, from, to };
    },
    [name, minutes],
    { refreshMs: auto ? REFRESH_MS : 0 },
  );
  const buckets = metrics.data?.buckets ?? [];
  return html`<div class="card">
    <div class="row">
      <select value=${minutes} onChange=${(e) => setMinutes(Number(e.currentTarget.value))}>${WINDOWS.map(([m, label]) => html`<option value=${m}>${label}</option>`)}</select>
      <label class="check"><input type="checkbox" checked=${auto} onChange=${(e) => setAuto(e.currentTarget.checked)} /> auto-refresh every ${REFRESH_MS / 1000} s</label>
      <button onClick=${metrics.reload}>Refresh</button>
      ${metrics.loading ? html`<span class="busy">loading…</span>` : ''}
    </div>
    <${ErrorBox} error=${metrics.error} />
    ${metrics.data ? html`<${MinuteChart} series=${CHART_SERIES} data=${minuteSeries(buckets, metrics.data.from, metrics.data.to, CHART_SERIES)} />` : ''}
    ${metrics.data && !buckets.length ? html`<p class="muted">No traffic in this window.</p>` : ''}
    ${buckets.length
      ? html`<h3>Minutes with traffic</h3><table data-testid="metric-buckets">
          <thead><tr><th>minute</th>${SERIES.map(([, label]) => html`<th>${label}</th>`)}</tr></thead>
          <tbody>${buckets.slice(-10).reverse().map((b) => html`<tr data-minute=${b.timestamp}><td>${new Date(b.timestamp).toLocaleTimeString()}</td>${SERIES.map(([k]) => html`<td>${b[k]}</td>`)}</tr>`)}</tbody>
        </table>`
      : ''}
  </div>`;
}

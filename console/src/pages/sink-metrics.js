// METRICS: ingest, request and error rate per minute (GET /v2/sinks/{id}/metrics),
// drawn with uPlot. The API has a bucket only for minutes with traffic; every other
// minute of the window is null here, so an idle stretch is a gap in the line, not a
// fall to zero. Each bucket is also drawn as a point, so a lone minute shows.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, seg, url } from '../api.js';
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

/** One x per minute of the window (seconds, as uPlot wants), each series null where the API has no bucket. */
export function minuteSeries(buckets, fromMs, toMs) {
  const first = Math.floor(fromMs / 60_000) * 60;
  const last = Math.floor(toMs / 60_000) * 60;
  const xs = [];
  for (let t = first; t <= last; t += 60) xs.push(t);
  const at = new Map(buckets.map((b) => [Math.floor(Date.parse(b.timestamp) / 1000), b]));
  return [xs, ...SERIES.map(([key]) => xs.map((t) => (at.has(t) ? at.get(t)[key] : null)))];
}

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
    ${metrics.data ? html`<${Chart} data=${minuteSeries(buckets, metrics.data.from, metrics.data.to)} />` : ''}
    ${metrics.data && !buckets.length ? html`<p class="muted">No traffic in this window.</p>` : ''}
    ${buckets.length
      ? html`<h3>Minutes with traffic</h3><table data-testid="metric-buckets">
          <thead><tr><th>minute</th>${SERIES.map(([, label]) => html`<th>${label}</th>`)}</tr></thead>
          <tbody>${buckets.slice(-10).reverse().map((b) => html`<tr data-minute=${b.timestamp}><td>${new Date(b.timestamp).toLocaleTimeString()}</td>${SERIES.map(([k]) => html`<td>${b[k]}</td>`)}</tr>`)}</tbody>
        </table>`
      : ''}
  </div>`;
}

function Chart({ data }) {
  const el = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const width = Math.max(320, el.current.clientWidth);
    plot.current = new uPlot(
      {
        width,
        height: 260,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
        series: [{}, ...SERIES.map(([, label, stroke]) => ({ label, stroke, width: 2, spanGaps: false, points: { show: true, size: 7, fill: stroke } }))],
        axes: [{}, { label: 'per minute' }],
      },
      data,
      el.current,
    );
    // The test reads the drawn canvas through this to see a point for the current minute.
    el.current.uplot = plot.current;
    return () => plot.current.destroy();
  }, []);
  useEffect(() => plot.current?.setData(data), [data]);
  return html`<div class="chart" data-testid="metrics-chart" ref=${el}></div>`;
}

// A stream's METRICS (events in, dropped, failed and delivered per minute, with gaps
// for idle minutes) and ERRORS (events that could not be processed or delivered).
import { useState } from 'preact/hooks';
import { api, url } from '../api.js';
import { MinuteChart, minuteSeries } from '../minute-chart.js';
import { ErrorBox, KeysetPager, fmtTime, html, short, useKeyset, useLoad } from '../ui.js';

const REFRESH_MS = 10_000;
const delivered = (m) => Object.values(m.delivered ?? {}).reduce((s, n) => s + n, 0);
const SERIES = [
  ['events in', '#2f6fde', (m) => m.events_in],
  ['delivered', '#1c8a4c', delivered],
  ['dropped (filter + sample)', '#a0620a', (m) => m.dropped_filter + m.dropped_sample],
  ['failed', '#c23b3b', (m) => m.failed],
];

export function StreamMetrics({ id }) {
  const [minutes, setMinutes] = useState(60);
  const metrics = useLoad((signal) => api('GET', url(`/v1/streams/${encodeURIComponent(id)}/metrics`, { minutes }), undefined, { signal }), [id, minutes], { refreshMs: REFRESH_MS });
  const m = metrics.data;
  return html`<div class="card">
    <div class="row">
      <select value=${minutes} onChange=${(e) => setMinutes(Number(e.currentTarget.value))}><option value="60">last hour</option><option value="360">last 6 hours</option><option value="1440">last 24 hours</option></select>
      <span class="muted">refreshed every ${REFRESH_MS / 1000} s</span> ${metrics.loading ? html`<span class="busy">loading…</span>` : ''}
    </div>
    <${ErrorBox} error=${metrics.error} />
    ${m ? html`<${MinuteChart} series=${SERIES} data=${minuteSeries(m.minutes, Date.parse(m.from), Date.parse(m.to) - 60_000, SERIES)} />` : ''}
    ${m?.minutes.length
      ? html`<h3>Minutes with traffic</h3><table data-testid="metric-buckets"><thead><tr><th>minute</th><th>in</th><th>dropped by filter</th><th>dropped by sample</th><th>failed</th><th>delivered</th></tr></thead>
          <tbody>${m.minutes.slice(-10).reverse().map((b) => html`<tr><td>${new Date(b.timestamp).toLocaleTimeString()}</td><td>${b.events_in}</td><td>${b.dropped_filter}</td><td>${b.dropped_sample}</td><td>${b.failed}</td>
            <td>${Object.entries(b.delivered).map(([d, n]) => html`<code>${d}: ${n}</code> `)}</td></tr>`)}</tbody></table>`
      : m ? html`<p class="muted">No traffic in this window.</p>` : ''}
  </div>`;
}

export function StreamErrors({ id }) {
  const keyset = useKeyset();
  const errors = useLoad((signal) => api('GET', url(`/v1/streams/${encodeURIComponent(id)}/errors`, { limit: 50, before: keyset.after }), undefined, { signal }), [id, keyset.after], { refreshMs: 5_000 });
  const list = errors.data?.errors ?? [];
  return html`<div class="card">
    <p class="muted hint">Events that reached the stream's log but could not be processed (destination "pipeline") or delivered. Refreshed every 5 s.</p>
    <${ErrorBox} error=${errors.error} />
    ${errors.data && !list.length ? html`<p class="muted" data-testid="no-errors">No errors.</p>` : ''}
    ${list.length
      ? html`<table data-testid="errors"><thead><tr><th>id</th><th>filed</th><th>partition / offset</th><th>destination</th><th>code</th><th>message</th><th>event</th></tr></thead>
          <tbody>${list.map((e) => html`<tr><td>${e.id}</td><td>${fmtTime(e.created_at)}</td><td>${e.partition} / ${e.offset}</td><td>${e.destination ?? html`<span class="muted">pipeline</span>`}</td>
            <td><span class="badge error">${e.code}</span></td><td>${e.message}</td><td><pre>${short(typeof e.event === 'string' ? e.event : JSON.stringify(e.event), 200)}</pre></td></tr>`)}</tbody></table>`
      : ''}
    <${KeysetPager} keyset=${keyset} next=${errors.data?.next} />
  </div>`;
}

// Health at a glance: each /health contributor with its details, and consumer lag
// per collection. /health is public; it is read here like any other call.
import { html, fmtTime, useLoad } from '../ui.js';

const REFRESH_MS = 5_000;

async function loadHealth(signal) {
  // 503 carries the same body (a contributor is down): show it, do not treat it as a failure to load.
  const res = await fetch('/health', { signal });
  return { status: res.status, body: await res.json(), at: new Date().toISOString() };
}

export function HealthPage() {
  const health = useLoad(loadHealth, [], { refreshMs: REFRESH_MS });
  const h = health.data?.body;
  const details = h?.details ?? {};
  const lag = details.consumer_lag?.collections ?? {};
  return html`<h1>Health</h1>
    ${health.error ? html`<div class="error">/health did not answer: ${health.error.message}</div>` : ''}
    ${h
      ? html`<div class="card">
          <div class="row"><span class=${`badge ${h.status}`} data-testid="health-status">${h.status}</span> <span class="muted">HTTP ${health.data.status}, checked ${fmtTime(health.data.at)}, every ${REFRESH_MS / 1000} s</span></div>
          <table data-testid="health"><thead><tr><th>contributor</th><th>status</th><th>details</th></tr></thead>
            <tbody>${Object.entries(details).map(([name, { status, ...rest }]) => html`<tr><td>${name}</td><td><span class=${`badge ${status}`}>${status}</span></td>
              <td>${Object.entries(rest).filter(([k]) => k !== 'collections').map(([k, v]) => html`<span>${k}: <code>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</code></span> `)}</td></tr>`)}</tbody></table>
        </div>
        <div class="card">
          <h2>Consumer lag per collection</h2>
          ${Object.keys(lag).length
            ? html`<table><thead><tr><th>collection</th><th>records not yet applied</th></tr></thead>
                <tbody>${Object.entries(lag).map(([c, n]) => html`<tr><td><a href=${`#/collections/${encodeURIComponent(c)}`}>${c}</a></td><td>${n}</td></tr>`)}</tbody></table>`
            : html`<p class="muted">No collections.</p>`}
        </div>`
      : html`<p class="busy">loading…</p>`}`;
}

// A stream's TEST tab (run the pipeline on pasted events, append nothing, see what
// each destination would get) and SEND EVENTS (the seed's ingest endpoint).
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorBox, JsonEditor, html, useAction } from '../ui.js';

const SAMPLE_EVENTS = JSON.stringify(
  [
    { source: 'web', event: { level: 'error', message: 'payment failed', id: 'e1' } },
    { source: 'web', event: { level: 'info', message: 'page view', id: 'e2' } },
    { source: 'web', event: { level: 'debug', message: 'cache miss', id: 'e3' } },
  ],
  null,
  2,
);

export function StreamTest({ stream }) {
  const [events, setEvents] = useState(SAMPLE_EVENTS);
  const test = useAction(() => api('POST', `/v1/streams/${encodeURIComponent(stream.id)}/test`, `{"events": ${events}}`));
  const r = test.result;
  return html`<div class="card">
    <${JsonEditor} label="Events (a JSON array; nothing is appended)" value=${events} onInput=${setEvents} rows=${12} testid="test-events" />
    <div class="row"><button class="primary" data-testid="run-test" disabled=${test.busy} onClick=${() => test.run()}>${test.busy ? 'Running…' : 'Run test'}</button></div>
    <${ErrorBox} error=${test.error} />
    ${r
      ? html`<p class="muted">pipeline version ${r.pipeline_version}</p>
        <table data-testid="test-result"><thead><tr><th>destination</th><th>event #</th><th>what it gets</th><th>row / error</th></tr></thead>
          <tbody>
            ${Object.entries(r.destinations).flatMap(([name, got]) =>
              got.length
                ? got.map((d) => html`<tr data-destination=${name}><td><b>${name}</b></td><td>${d.index}</td><td><pre>${JSON.stringify(d.event)}</pre></td>
                    <td>${d.error ? html`<span class="status-error">${d.error}</span>` : d.row_id !== undefined ? html`row <code>${d.row_id}</code>` : ''}</td></tr>`)
                : [html`<tr data-destination=${name}><td><b>${name}</b></td><td colspan="3" class="muted">nothing</td></tr>`])}
            ${r.dropped.map((d) => html`<tr data-destination="(dropped)"><td class="muted">dropped</td><td>${d.index}</td><td colspan="2">by ${d.by}</td></tr>`)}
            ${r.failed.map((f) => html`<tr data-destination="(failed)"><td class="status-error">failed</td><td>${f.index}</td><td colspan="2">${f.detail}</td></tr>`)}
          </tbody></table>`
      : ''}
  </div>`;
}

export function StreamSend({ stream }) {
  const [events, setEvents] = useState(SAMPLE_EVENTS);
  const [partial, setPartial] = useState(false);
  const send = useAction(() =>
    api('POST', `/v1/streams/ingest${partial ? '?partial=true' : ''}`, events, { headers: { 'x-stream-id': stream.id } }),
  );
  const r = send.result;
  return html`<div class="card">
    <${JsonEditor} label="Events (one event, or a JSON array of events)" value=${events} onInput=${setEvents} rows=${12} testid="send-events" />
    <div class="row">
      <button class="primary" data-testid="send-events-button" disabled=${send.busy} onClick=${() => send.run()}>${send.busy ? 'Sending…' : 'SEND EVENTS'}</button>
      <label class="check"><input type="checkbox" checked=${partial} onChange=${(e) => setPartial(e.currentTarget.checked)} /> accept the valid ones of a batch (<code>?partial=true</code>)</label>
    </div>
    <${ErrorBox} error=${send.error} />
    ${r
      ? html`<p data-testid="send-events-result"><span class="status-success">${r.status}</span>: ${r.accepted ?? 1} event(s), ${r.ingested_bytes} bytes in the log.
          ${r.rejected?.length ? html`<span class="status-error">${r.rejected.length} refused:</span> ${r.rejected.map((x) => html`<div>#${x.index}: ${x.detail}</div>`)}` : ''}</p>`
      : ''}
  </div>`;
}

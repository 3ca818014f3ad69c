// Streams (seed 003): the list, a new stream, and a stream's screen: its pipeline
// (routes and destinations) as JSON with validation, TEST (events in, what each
// destination would get out), SEND (events through the ingest endpoint), METRICS
// and ERRORS.
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ErrorBox, JsonEditor, Paged, Tabs, fmtTime, html, useAction, useLoad } from '../ui.js';
import { StreamErrors, StreamMetrics } from './stream-insights.js';
import { StreamSend, StreamTest } from './stream-test.js';

const NEW_STREAM = JSON.stringify(
  {
    name: 'app-logs',
    pipeline: [{ type: 'filter', drop_when: { 'event.level': 'debug' } }],
    routes: [{ when: { 'event.level': 'error' }, to: ['errors'], final: true }, { to: ['archive'] }],
    destinations: [
      { name: 'errors', type: 'file', max_bytes: 67108864, max_age_seconds: 300 },
      { name: 'archive', type: 'file', max_bytes: 67108864, max_age_seconds: 300 },
    ],
  },
  null,
  2,
);

export function StreamsPage({ path }) {
  return path[0] ? html`<${StreamScreen} id=${path[0]} tab=${path[1] || 'pipeline'} />` : html`<${StreamList} />`;
}

function StreamList() {
  const list = useLoad((signal) => api('GET', '/v1/streams', undefined, { signal }), []);
  const [body, setBody] = useState(NEW_STREAM);
  const create = useAction(async () => {
    const s = await api('POST', '/v1/streams', body);
    location.hash = `#/streams/${seg(s.id)}/pipeline`;
  });
  const streams = list.data?.streams ?? [];
  return html`<h1>Streams</h1>
    <div class="card">
      <${ErrorBox} error=${list.error} />
      ${list.data && !streams.length ? html`<p class="muted">No streams yet.</p>` : ''}
      ${streams.length
        ? html`<${Paged} items=${streams}>${(page) => html`<table data-testid="streams">
            <thead><tr><th>name</th><th>id</th><th>version</th><th>processors</th><th>destinations</th><th>topic</th><th>updated</th></tr></thead>
            <tbody>${page.map((s) => html`<tr data-stream=${s.name}><td><a href=${`#/streams/${seg(s.id)}/pipeline`}>${s.name}</a></td><td><code>${s.id}</code></td><td>${s.version}</td>
              <td>${s.pipeline.map((p) => p.type).join(' → ') || html`<span class="muted">none</span>`}</td>
              <td>${s.destinations.map((d) => html`<code>${d.name}:${d.type}</code> `)}</td><td><code>${s.topic}</code></td><td>${fmtTime(s.updated_at)}</td></tr>`)}</tbody>
          </table>`}<//>`
        : ''}
    </div>
    <div class="card">
      <h2>New stream</h2>
      <p class="muted hint">Processors run in order; then each route whose <code>when</code> matches (none: every event) sends the event to its destinations, in order, until a matching route says <code>"final": true</code>; <code>_unmatched</code> gets the events no route matched.</p>
      <${JsonEditor} value=${body} onInput=${setBody} rows=${14} testid="new-stream" />
      <div class="row"><button class="primary" data-testid="create-stream" disabled=${create.busy} onClick=${() => create.run()}>${create.busy ? 'Creating…' : 'Create stream'}</button></div>
      <${ErrorBox} error=${create.error} />
    </div>`;
}

const TABS = [
  ['pipeline', 'PIPELINE'],
  ['test', 'TEST'],
  ['send', 'SEND EVENTS'],
  ['metrics', 'METRICS'],
  ['errors', 'ERRORS'],
];

function StreamScreen({ id, tab }) {
  const stream = useLoad((signal) => api('GET', `/v1/streams/${seg(id)}`, undefined, { signal }), [id]);
  const s = stream.data;
  return html`<div class="row"><a href="#/streams">Streams</a> › <b>${s?.name ?? id}</b></div>
    <h1>${s?.name ?? id}</h1>
    <${ErrorBox} error=${stream.error} />
    ${s ? html`<p class="muted">id <code>${s.id}</code>, version <b data-testid="stream-version">${s.version}</b>, topic <code>${s.topic}</code>, ${s.partitions} partitions</p>` : ''}
    <${Tabs} tabs=${TABS} active=${tab} href=${(t) => `#/streams/${seg(id)}/${t}`} />
    ${s && tab === 'pipeline' ? html`<${PipelineEditor} stream=${s} onSaved=${stream.reload} />` : ''}
    ${s && tab === 'test' ? html`<${StreamTest} stream=${s} />` : ''}
    ${s && tab === 'send' ? html`<${StreamSend} stream=${s} />` : ''}
    ${tab === 'metrics' ? html`<${StreamMetrics} id=${id} />` : ''}
    ${tab === 'errors' ? html`<${StreamErrors} id=${id} />` : ''}`;
}

/** The stream's definition as JSON; saving PUTs it (a new version), and the server's schema judges it. */
function PipelineEditor({ stream, onSaved }) {
  const definition = (s) => JSON.stringify({ pipeline: s.pipeline, routes: s.routes, destinations: s.destinations, ...(s.rate_limit ? { rate_limit: s.rate_limit } : {}) }, null, 2);
  const [body, setBody] = useState(definition(stream));
  const save = useAction(async () => {
    const saved = await api('PUT', `/v1/streams/${seg(stream.id)}`, body);
    setBody(definition(saved));
    onSaved();
    return saved;
  });
  const del = useAction(async () => {
    await api('DELETE', `/v1/streams/${seg(stream.id)}`);
    location.hash = '#/streams';
  });
  const [confirming, setConfirming] = useState(false);
  return html`<div class="card">
      <p class="muted hint">Saving makes a new version: events already in the log are processed by the version current when they are processed.</p>
      <${JsonEditor} value=${body} onInput=${setBody} rows=${18} testid="pipeline" />
      <div class="row">
        <button class="primary" data-testid="save-pipeline" disabled=${save.busy} onClick=${() => save.run()}>${save.busy ? 'Saving…' : 'Save (new version)'}</button>
        <button onClick=${() => setBody(definition(stream))}>Revert</button>
        ${save.result ? html`<span class="status-success" data-testid="pipeline-saved">saved as version ${save.result.version}</span>` : ''}
      </div>
      <${ErrorBox} error=${save.error} />
    </div>
    <div class="card">
      ${confirming
        ? html`<div class="row">Delete stream <b>${stream.name}</b>? <button class="danger" disabled=${del.busy} onClick=${() => del.run()}>Yes, delete</button><button onClick=${() => setConfirming(false)}>Cancel</button></div>`
        : html`<button class="danger" onClick=${() => setConfirming(true)}>Delete stream…</button>`}
      <${ErrorBox} error=${del.error} />
    </div>`;
}

// Sinks: the list, a new sink, and a sink's screen with the seed's three tabs
// (SEND RECORDS, ERRORS, METRICS) and a link to its table's rows.
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ErrorBox, JsonEditor, Paged, Tabs, fmtTime, html, useAction, useLoad } from '../ui.js';
import { SendRecords } from './sink-send.js';
import { SinkErrors } from './sink-errors.js';
import { SinkMetrics } from './sink-metrics.js';

const NEW_SINK = JSON.stringify({ name: 'orders-in', table: 'orders', id_field: 'order_id' }, null, 2);

export function SinksPage({ path }) {
  return path[0] ? html`<${SinkScreen} name=${path[0]} tab=${path[1] || 'send'} />` : html`<${SinkList} />`;
}

function SinkList() {
  const list = useLoad((signal) => api('GET', '/v2/sinks', undefined, { signal }), []);
  const [body, setBody] = useState(NEW_SINK);
  const create = useAction(async () => {
    const sink = await api('POST', '/v2/sinks', body);
    location.hash = `#/sinks/${seg(sink.name)}/send`;
  });
  const sinks = list.data?.sinks ?? [];
  return html`<h1>Sinks</h1>
    <div class="card">
      <${ErrorBox} error=${list.error} />
      ${list.loading && !list.data ? html`<p class="busy">loading…</p>` : ''}
      ${list.data && !sinks.length ? html`<p class="muted">No sinks yet. A sink writes the records sent to it into a table (create the table first).</p>` : ''}
      ${sinks.length
        ? html`<${Paged} items=${sinks}>${(page) => html`<table data-testid="sinks">
              <thead><tr><th>name</th><th>table</th><th>id field</th><th>topic</th><th>partitions</th><th>created</th></tr></thead>
              <tbody>${page.map((s) => html`<tr>
                <td><a href=${`#/sinks/${seg(s.name)}/send`}>${s.name}</a></td>
                <td><a href=${`#/tables/${seg(s.table)}`}>${s.table}</a></td>
                <td><code>${[].concat(s.id_field).join('.')}</code></td><td><code>${s.topic}</code></td>
                <td>${s.partitions}</td><td>${fmtTime(s.created_at)}</td></tr>`)}</tbody>
            </table>`}<//>`
        : ''}
    </div>
    <div class="card">
      <h2>New sink</h2>
      <p class="muted hint">The body of <code>POST /v2/sinks</code>: <code>name</code>, <code>table</code>, <code>id_field</code>, and optionally <code>fields</code> (column → path), <code>partitions</code>, <code>allow_missing_fields</code>.</p>
      <${JsonEditor} value=${body} onInput=${setBody} rows=${8} testid="new-sink" />
      <div class="row"><button class="primary" data-testid="create-sink" disabled=${create.busy} onClick=${() => create.run()}>${create.busy ? 'Creating…' : 'Create sink'}</button></div>
      <${ErrorBox} error=${create.error} />
    </div>`;
}

const TABS = [
  ['send', 'SEND RECORDS'],
  ['errors', 'ERRORS'],
  ['metrics', 'METRICS'],
];

function SinkScreen({ name, tab }) {
  const sink = useLoad((signal) => api('GET', `/v2/sinks/${seg(name)}`, undefined, { signal }), [name]);
  const s = sink.data;
  return html`<div class="row"><a href="#/sinks">Sinks</a> › <b>${name}</b></div>
    <h1>${name}</h1>
    <${ErrorBox} error=${sink.error} />
    ${s
      ? html`<dl class="kv card">
          <dt>table</dt><dd><a href=${`#/tables/${seg(s.table)}`} data-testid="sink-table">${s.table}</a> (rows)</dd>
          <dt>topic</dt><dd><code>${s.topic}</code>, ${s.partitions} partitions</dd>
          <dt>id field</dt><dd><code>${[].concat(s.id_field).join('.')}</code></dd>
          <dt>fields</dt><dd>${s.fields ? s.fields.map((f) => html`<code>${f.column} ← ${f.path.join('.')}</code> `) : html`<span class="muted">every column by its own name</span>`}</dd>
        </dl>`
      : ''}
    <${Tabs} tabs=${TABS} active=${tab} href=${(id) => `#/sinks/${seg(name)}/${id}`} />
    ${tab === 'send' ? html`<${SendRecords} name=${name} table=${s?.table} />` : ''}
    ${tab === 'errors' ? html`<${SinkErrors} name=${name} />` : ''}
    ${tab === 'metrics' ? html`<${SinkMetrics} name=${name} />` : ''}`;
}

// Tables: the Postgres tables sinks write into; create one, add a column, and page
// through its rows (keyset: the API's `next` is the next page's `after`).
import { useState } from 'preact/hooks';
import { api, seg, url } from '../api.js';
import { ErrorBox, JsonEditor, KeysetPager, Paged, fmtTime, html, useAction, useKeyset, useLoad } from '../ui.js';

const NEW_TABLE = JSON.stringify(
  { name: 'orders', columns: [{ name: 'order_id', type: 'id' }, { name: 'item', type: 'string', required: true }, { name: 'qty', type: 'int', min: 1 }] },
  null,
  2,
);
const ROWS_PAGE = 50;

export function TablesPage({ path }) {
  return path[0] ? html`<${TableScreen} name=${path[0]} />` : html`<${TableList} />`;
}

function TableList() {
  const list = useLoad((signal) => api('GET', '/v2/tables', undefined, { signal }), []);
  const [body, setBody] = useState(NEW_TABLE);
  const create = useAction(async () => {
    const t = await api('POST', '/v2/tables', body);
    location.hash = `#/tables/${seg(t.name)}`;
  });
  const tables = list.data?.tables ?? [];
  return html`<h1>Tables</h1>
    <div class="card">
      <${ErrorBox} error=${list.error} />
      ${list.data && !tables.length ? html`<p class="muted">No tables yet.</p>` : ''}
      ${tables.length
        ? html`<${Paged} items=${tables}>${(page) => html`<table data-testid="tables">
            <thead><tr><th>name</th><th>columns</th><th>created</th></tr></thead>
            <tbody>${page.map((t) => html`<tr><td><a href=${`#/tables/${seg(t.name)}`}>${t.name}</a></td>
              <td>${t.columns.map((c) => html`<code>${c.name}:${c.type}</code> `)}</td><td>${fmtTime(t.created_at)}</td></tr>`)}</tbody>
          </table>`}<//>`
        : ''}
    </div>
    <div class="card">
      <h2>New table</h2>
      <p class="muted hint">Column types: id (exactly one), int, decimal, string, bool, timestamp, stringset, idset, json.</p>
      <${JsonEditor} value=${body} onInput=${setBody} rows=${10} testid="new-table" />
      <div class="row"><button class="primary" data-testid="create-table" disabled=${create.busy} onClick=${() => create.run()}>${create.busy ? 'Creating…' : 'Create table'}</button></div>
      <${ErrorBox} error=${create.error} />
    </div>`;
}

function TableScreen({ name }) {
  const table = useLoad((signal) => api('GET', `/v2/tables/${seg(name)}`, undefined, { signal }), [name]);
  const keyset = useKeyset();
  const rows = useLoad((signal) => api('GET', url(`/v2/tables/${seg(name)}/rows`, { limit: ROWS_PAGE, after: keyset.after }), undefined, { signal }), [name, keyset.after]);
  const [column, setColumn] = useState('{"name": "note", "type": "string"}');
  const addColumn = useAction(async () => {
    await api('POST', `/v2/tables/${seg(name)}/columns`, column);
    table.reload();
  });
  const columns = table.data?.columns ?? [];
  const show = (v) => (v === null || v === undefined ? html`<span class="muted">null</span>` : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return html`<div class="row"><a href="#/tables">Tables</a> › <b>${name}</b></div>
    <h1>${name}</h1>
    <${ErrorBox} error=${table.error} />
    <div class="card">
      <h2>Rows</h2>
      <div class="row"><button onClick=${rows.reload}>Refresh</button>${rows.loading ? html`<span class="busy">loading…</span>` : ''}</div>
      <${ErrorBox} error=${rows.error} />
      ${rows.data && !rows.data.rows.length ? html`<p class="muted">No rows${keyset.page > 1 ? ' on this page' : ''}.</p>` : ''}
      ${rows.data?.rows.length
        ? html`<div style="overflow-x:auto"><table data-testid="rows">
            <thead><tr>${columns.map((c) => html`<th>${c.name}</th>`)}</tr></thead>
            <tbody>${rows.data.rows.map((r) => html`<tr>${columns.map((c) => html`<td>${show(r[c.name])}</td>`)}</tr>`)}</tbody>
          </table></div>`
        : ''}
      <${KeysetPager} keyset=${keyset} next=${rows.data?.next} />
    </div>
    <div class="card">
      <h2>Columns</h2>
      <table><thead><tr><th>name</th><th>type</th><th>rules</th></tr></thead>
        <tbody>${columns.map(({ name: n, type, ...rules }) => html`<tr><td>${n}</td><td>${type}</td><td><code>${JSON.stringify(rules)}</code></td></tr>`)}</tbody></table>
      <h3>Add a column</h3>
      <${JsonEditor} value=${column} onInput=${setColumn} rows=${2} />
      <div class="row"><button disabled=${addColumn.busy} onClick=${() => addColumn.run()}>Add column</button></div>
      <${ErrorBox} error=${addColumn.error} />
    </div>`;
}

// One collection: upsert (a JSON body, or lines of text or of numbers turned into
// one), search by text or by vector, and the index's ingest session.
import { useState } from 'preact/hooks';
import { api, seg, url } from '../api.js';
import { ErrorBox, html, useAction, useLoad } from '../ui.js';

const MODES = [
  ['text', 'text lines: <id> <text…>'],
  ['vectors', 'vector lines: <id> <n1>, <n2>, …'],
  ['json', 'JSON body {"vectors": […]}'],
];

/** The upsert body from what was pasted; a line's first word is its id. */
export function upsertBody(mode, input) {
  if (mode === 'json') return input;
  const vectors = input
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [, id, rest = ''] = /^(\S+)\s*(.*)$/.exec(line);
      if (mode === 'text') return { id, text: rest };
      return { id, dense_values: rest.split(/[\s,]+/).filter(Boolean).map(Number) };
    });
  return { vectors };
}

export function CollectionScreen({ name }) {
  const coll = useLoad((signal) => api('GET', `/vectordb/collections/${seg(name)}`, undefined, { signal }), [name]);
  const status = useLoad((signal) => api('GET', url('/ingest/status', { index_name: name }), undefined, { signal }), [name], { refreshMs: 5_000 });
  const [mode, setMode] = useState('text');
  const [input, setInput] = useState('doc-1 the quick brown fox\ndoc-2 a lazy dog sleeps');
  const upsert = useAction(async () => {
    const answer = await api('POST', `/vectordb/collections/${seg(name)}/streaming/upsert`, upsertBody(mode, input));
    status.reload();
    return answer;
  });
  const [qmode, setQmode] = useState('text');
  const [query, setQuery] = useState('');
  const [topK, setTopK] = useState('10');
  const search = useAction(() => {
    const q = qmode === 'text' ? { query_text: query } : { query_vector: query.split(/[\s,\[\]]+/).filter(Boolean).map(Number) };
    return api('POST', `/vectordb/collections/${seg(name)}/search/dense`, { ...q, top_k: Number(topK) });
  });
  const del = useAction(async () => {
    await api('DELETE', `/vectordb/collections/${seg(name)}`);
    location.hash = '#/collections';
  });
  const [confirming, setConfirming] = useState(false);
  const c = coll.data;
  const s = status.data;
  return html`<div class="row"><a href="#/collections">Collections</a> › <b>${name}</b></div>
    <h1>${name}</h1>
    <${ErrorBox} error=${coll.error} />
    ${c ? html`<p class="muted">dimension ${c.dense_vector.dimension}, ${c.metric}, ${c.shards} shard(s), HNSW M=${c.hnsw.M} ef_construction=${c.hnsw.ef_construction} ef_search=${c.hnsw.ef_search}</p>` : ''}
    <div class="card" data-testid="index-status">
      <h2>Index</h2>
      <${ErrorBox} error=${status.error} />
      ${s
        ? html`<dl class="kv"><dt>vectors (this node)</dt><dd data-testid="vector-count">${s.vectors}</dd>
            <dt>ingest session</dt><dd>${s.session
              ? html`<code>${s.session.session_id}</code> ${s.session.mode}, <span class="badge">${s.session.status}</span>, ${s.session.rows_staged} rows staged
                ${s.session.build ? html`<div>build: ${s.session.build.rows_indexed} / ${s.session.build.total} <progress max=${s.session.build.total} value=${s.session.build.rows_indexed}></progress></div>` : ''}`
              : html`<span class="muted">none</span>`}</dd></dl>`
        : ''}
    </div>
    <div class="card">
      <h2>Upsert</h2>
      <div class="row">${MODES.map(([m, label]) => html`<label class="check"><input type="radio" name="upsert-mode" checked=${mode === m} onChange=${() => setMode(m)} /> ${label}</label>`)}</div>
      <textarea rows="6" spellcheck="false" data-testid="upsert-input" value=${input} onInput=${(e) => setInput(e.currentTarget.value)}></textarea>
      <div class="row"><button class="primary" data-testid="upsert" disabled=${upsert.busy} onClick=${() => upsert.run()}>${upsert.busy ? 'Upserting…' : 'Upsert'}</button>
        ${upsert.result ? html`<span class="status-success" data-testid="upsert-result">${upsert.result.count} upserted, searchable now</span>` : ''}</div>
      <${ErrorBox} error=${upsert.error} />
    </div>
    <div class="card">
      <h2>Search</h2>
      <form class="row" onSubmit=${(e) => { e.preventDefault(); search.run(); }}>
        <select value=${qmode} onChange=${(e) => setQmode(e.currentTarget.value)}><option value="text">by text</option><option value="vector">by vector</option></select>
        <input style="flex:1;min-width:240px" name="query" data-testid="search-input" value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} placeholder=${qmode === 'text' ? 'a question or phrase' : '0.1, 0.2, …'} />
        <label>top k <input type="number" value=${topK} onInput=${(e) => setTopK(e.currentTarget.value)} style="width:70px" /></label>
        <button class="primary" type="submit" data-testid="search" disabled=${search.busy}>${search.busy ? 'Searching…' : 'Search'}</button>
      </form>
      <${ErrorBox} error=${search.error} />
      ${search.result
        ? search.result.results.length
          ? html`<table data-testid="search-results"><thead><tr><th>#</th><th>id</th><th>score</th></tr></thead>
              <tbody>${search.result.results.map((r, i) => html`<tr><td>${i + 1}</td><td>${r.id}</td><td>${r.score.toFixed(4)}</td></tr>`)}</tbody></table>`
          : html`<p class="muted">No results.</p>`
        : ''}
    </div>
    <div class="card">
      <h2>Delete</h2>
      ${confirming
        ? html`<div class="row">Delete <b>${name}</b> and its index? <button class="danger" disabled=${del.busy} onClick=${() => del.run()}>Yes, delete</button><button onClick=${() => setConfirming(false)}>Cancel</button></div>`
        : html`<button class="danger" onClick=${() => setConfirming(true)}>Delete collection…</button>`}
      <${ErrorBox} error=${del.error} />
    </div>`;
}

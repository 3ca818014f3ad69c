// Collections: the list with vector counts, applied offsets and lag; a new
// collection; and a collection's screen (upsert pasted vectors or text, search by
// vector or text, the index session's status).
import { useState } from 'preact/hooks';
import { api, parsePrometheus, seg } from '../api.js';
import { ErrorBox, Paged, html, useAction, useLoad } from '../ui.js';
import { CollectionScreen } from './collection-screen.js';

export function CollectionsPage({ path }) {
  return path[0] ? html`<${CollectionScreen} name=${path[0]} />` : html`<${CollectionList} />`;
}

/**
 * The list from /vectordb/collections; the live figures from the two public
 * read-outs that carry them: vectors and applied offsets per shard from /metrics,
 * consumer lag per collection from /health.
 */
async function loadCollections(signal) {
  const [list, metrics, health] = await Promise.all([
    api('GET', '/vectordb/collections', undefined, { signal }),
    fetch('/metrics', { signal }).then((r) => (r.ok ? r.text() : ''), () => ''),
    fetch('/health', { signal }).then((r) => r.json(), () => null),
  ]);
  const gauges = parsePrometheus(metrics, ['intake_collection_vectors', 'intake_collection_applied_offset']);
  const lag = health?.details?.consumer_lag?.collections ?? {};
  return list.collections.map((c) => {
    const mine = gauges.filter((g) => g.labels.collection === c.name);
    const vectors = mine.find((g) => g.name === 'intake_collection_vectors');
    const offsets = mine.filter((g) => g.name === 'intake_collection_applied_offset');
    return {
      ...c,
      vectors: vectors ? vectors.value : null,
      applied: offsets.length ? offsets.reduce((s, g) => s + g.value, 0) : null,
      lag: lag[c.name] ?? null,
    };
  });
}

function CollectionList() {
  const list = useLoad(loadCollections, [], { refreshMs: 10_000 });
  const [form, setForm] = useState({ name: '', dimension: '384', metric: 'cosine', shards: '1' });
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const create = useAction(async () => {
    const c = await api('POST', '/vectordb/collections', {
      name: form.name,
      dense_vector: { enabled: true, dimension: Number(form.dimension) },
      metric: form.metric,
      shards: Number(form.shards),
    });
    location.hash = `#/collections/${seg(c.name)}`;
  });
  const rows = list.data ?? [];
  const dash = (v) => (v === null || v === undefined ? html`<span class="muted">—</span>` : String(v));
  return html`<h1>Collections</h1>
    <div class="card">
      <div class="row"><button onClick=${list.reload}>Refresh</button>${list.loading ? html`<span class="busy">loading…</span>` : ''}</div>
      <${ErrorBox} error=${list.error} />
      ${list.data && !rows.length ? html`<p class="muted">No collections yet.</p>` : ''}
      ${rows.length
        ? html`<${Paged} items=${rows}>${(page) => html`<table data-testid="collections">
            <thead><tr><th>name</th><th>dimension</th><th>metric</th><th>shards</th><th>vectors</th><th>applied offset</th><th>lag (records)</th></tr></thead>
            <tbody>${page.map((c) => html`<tr data-collection=${c.name}>
              <td><a href=${`#/collections/${seg(c.name)}`}>${c.name}</a></td><td>${c.dense_vector.dimension}</td><td>${c.metric}</td><td>${c.shards}</td>
              <td data-col="vectors">${dash(c.vectors)}</td><td>${dash(c.applied)}</td><td>${dash(c.lag)}</td></tr>`)}</tbody>
          </table>`}<//>
          <p class="muted hint">Vectors and applied offsets (summed over shards) are this node's, from <code>/metrics</code>; lag is from <code>/health</code>.</p>`
        : ''}
    </div>
    <div class="card">
      <h2>New collection</h2>
      <form class="row" onSubmit=${(e) => { e.preventDefault(); create.run(); }}>
        <label>name <input name="name" value=${form.name} onInput=${set('name')} placeholder="docs" /></label>
        <label>dimension <input name="dimension" type="number" value=${form.dimension} onInput=${set('dimension')} /></label>
        <label>metric <select name="metric" value=${form.metric} onChange=${set('metric')}><option>cosine</option><option>l2</option><option>ip</option></select></label>
        <label>shards <input name="shards" type="number" value=${form.shards} onInput=${set('shards')} /></label>
        <button class="primary" type="submit" data-testid="create-collection" disabled=${create.busy}>${create.busy ? 'Creating…' : 'Create collection'}</button>
      </form>
      <${ErrorBox} error=${create.error} />
    </div>`;
}

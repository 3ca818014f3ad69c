// Upsertion tasks (seed 004): the list with a status filter and progress, a new task,
// and a task's detail with its failed_items, cancel and restart. Tasks run in the
// background on the server; these screens refresh themselves to follow them.
import { useState } from 'preact/hooks';
import { api, url } from '../api.js';
import { ErrorBox, JsonEditor, Paged, fmtTime, html, useAction, useLoad } from '../ui.js';

const STATUSES = ['pending', 'processing', 'done', 'failed', 'canceled'];
const PAGE = 25;
const REFRESH_MS = 3_000;
const TARGETS = [
  ['/embeddings/upsertion-tasks/run', 'default collection'],
  ['/embeddings/upsertion-tasks/categories/run', 'categories collection'],
];
const NEW_TASK = JSON.stringify({ items: [{ object_id: 'obj-1', payload: { text: 'deep learning paper' } }, { object_id: 'obj-2', payload: { text: 'a field guide to mushrooms' } }] }, null, 2);

export function TasksPage({ path }) {
  return path[0] ? html`<${TaskScreen} id=${path[0]} />` : html`<${TaskList} />`;
}

function Progress({ task }) {
  const p = task.progress;
  if (!p) return html`<span class="muted">—</span>`;
  return html`<span class="progress"><progress max=${p.items_total || 1} value=${p.items_done}></progress> ${p.items_done} / ${p.items_total}${p.items_failed ? html` <span class="status-error">(${p.items_failed} failed)</span>` : ''}</span>`;
}

const StatusBadge = ({ status }) => html`<span class=${`badge task-${status}`} data-testid="task-status">${status}</span>`;

function TaskList() {
  const [status, setStatus] = useState('');
  const [offset, setOffset] = useState(0);
  const list = useLoad((signal) => api('GET', url('/embeddings/upsertion-tasks/list', { status, offset, limit: PAGE }), undefined, { signal }), [status, offset], { refreshMs: REFRESH_MS });
  const [target, setTarget] = useState(TARGETS[0][0]);
  const [body, setBody] = useState(NEW_TASK);
  const create = useAction(async () => {
    const task = await api('POST', target, body);
    location.hash = `#/tasks/${encodeURIComponent(task.id)}`;
  });
  const tasks = list.data ?? [];
  return html`<h1>Tasks</h1>
    <div class="card">
      <div class="row">
        <label>status <select name="status" value=${status} onChange=${(e) => { setStatus(e.currentTarget.value); setOffset(0); }}>
          <option value="">all</option>${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}</select></label>
        ${list.loading ? html`<span class="busy">loading…</span>` : ''}
      </div>
      <${ErrorBox} error=${list.error} />
      ${list.data && !tasks.length ? html`<p class="muted">No tasks${status ? ` ${status}` : ''}${offset ? ' on this page' : ''}.</p>` : ''}
      ${tasks.length
        ? html`<table data-testid="tasks">
            <thead><tr><th>task</th><th>collection</th><th>status</th><th>progress</th><th>created</th><th>updated</th></tr></thead>
            <tbody>${tasks.map((t) => html`<tr data-task=${t.id}><td><a href=${`#/tasks/${encodeURIComponent(t.id)}`}>${t.id}</a></td><td>${t.collection ?? '—'}</td>
              <td><${StatusBadge} status=${t.status} /></td><td><${Progress} task=${t} /></td><td>${fmtTime(t.created_at)}</td><td>${fmtTime(t.updated_at)}</td></tr>`)}</tbody>
          </table>`
        : ''}
      ${offset > 0 || tasks.length === PAGE
        ? html`<div class="pager"><button disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE))}>‹ prev</button>
            <span>tasks ${offset + 1}–${offset + tasks.length}</span><button disabled=${tasks.length < PAGE} onClick=${() => setOffset(offset + PAGE)}>next ›</button></div>`
        : ''}
    </div>
    <div class="card">
      <h2>New task</h2>
      <p class="muted hint">Each item's <code>payload.text</code> is embedded and upserted as vector <code>object_id</code>; <code>task_id</code> is optional (the server makes one).</p>
      <div class="row"><select value=${target} onChange=${(e) => setTarget(e.currentTarget.value)}>${TARGETS.map(([u, label]) => html`<option value=${u}>${label}</option>`)}</select></div>
      <${JsonEditor} value=${body} onInput=${setBody} rows=${8} testid="new-task" />
      <div class="row"><button class="primary" data-testid="create-task" disabled=${create.busy} onClick=${() => create.run()}>${create.busy ? 'Creating…' : 'Create task'}</button></div>
      <${ErrorBox} error=${create.error} />
    </div>`;
}

function TaskScreen({ id }) {
  const task = useLoad((signal) => api('GET', url('/embeddings/upsertion-tasks/info', { task_id: id }), undefined, { signal }), [id], { refreshMs: REFRESH_MS });
  const act = useAction(async (verb) => {
    await api('PUT', url(`/embeddings/upsertion-tasks/${verb}`, { task_id: id }));
    task.reload();
  });
  const t = task.data;
  return html`<div class="row"><a href="#/tasks">Tasks</a> › <b>${id}</b></div>
    <h1>${id}</h1>
    <${ErrorBox} error=${task.error} />
    ${t
      ? html`<div class="card">
          <dl class="kv">
            <dt>status</dt><dd><${StatusBadge} status=${t.status} /></dd>
            <dt>collection</dt><dd>${t.collection ? html`<a href=${`#/collections/${encodeURIComponent(t.collection)}`}>${t.collection}</a>` : '—'}</dd>
            <dt>progress</dt><dd><${Progress} task=${t} />${t.progress ? html` <span class="muted">${t.progress.items_upserted} upserted</span>` : ''}</dd>
            <dt>created</dt><dd>${fmtTime(t.created_at)}</dd><dt>updated</dt><dd>${fmtTime(t.updated_at)}</dd>
          </dl>
          <div class="row">
            <button class="danger" data-testid="cancel-task" disabled=${act.busy || !['pending', 'processing'].includes(t.status)} onClick=${() => act.run('cancel')}>Cancel</button>
            <button data-testid="restart-task" disabled=${act.busy || !['failed', 'canceled'].includes(t.status)} onClick=${() => act.run('restart')}>Restart</button>
            ${act.busy ? html`<span class="busy">working…</span>` : ''}
          </div>
          <${ErrorBox} error=${act.error} />
        </div>
        <div class="card">
          <h2>Failed items (${t.failed_items.length})</h2>
          ${t.failed_items.length
            ? html`<${Paged} items=${t.failed_items}>${(page) => html`<table data-testid="failed-items"><thead><tr><th>object_id</th><th>reason</th></tr></thead>
                <tbody>${page.map((f) => html`<tr><td><code>${f.object_id}</code></td><td>${f.reason}</td></tr>`)}</tbody></table>`}<//>`
            : html`<p class="muted">None.</p>`}
        </div>`
      : ''}`;
}

// ERRORS: the records that reached the sink's topic but could not become rows
// (filed asynchronously by the materializer), newest first with their payloads;
// select some and replay them. Refreshes itself so a new error shows up unasked.
import { useState } from 'preact/hooks';
import { api, seg, url } from '../api.js';
import { ErrorBox, KeysetPager, fmtTime, html, short, useAction, useKeyset, useLoad } from '../ui.js';

const PAGE = 50;
const REFRESH_MS = 5_000;

export function SinkErrors({ name }) {
  const keyset = useKeyset();
  const [auto, setAuto] = useState(true);
  const [selected, setSelected] = useState(new Set());
  const [open, setOpen] = useState(null);
  const list = useLoad(
    (signal) => api('GET', url(`/v2/sinks/${seg(name)}/errors`, { limit: PAGE, after: keyset.after }), undefined, { signal }),
    [name, keyset.after],
    { refreshMs: auto ? REFRESH_MS : 0 },
  );
  const replay = useAction(async () => {
    const answer = await api('POST', `/v2/sinks/${seg(name)}/errors/replay`, { ids: [...selected] });
    setSelected(new Set());
    list.reload();
    return answer;
  });
  const toggle = (id) => {
    const next = new Set(selected);
    next.has(id) ? next.delete(id) : next.add(id);
    setSelected(next);
  };
  const errors = list.data?.errors ?? [];
  return html`<div class="card">
    <p class="muted hint">Records that reached the log but could not become rows. Watch this to make sure nothing is lost; fix the cause (e.g. add the column), then replay.</p>
    <div class="row">
      <button class="primary" data-testid="replay" disabled=${!selected.size || replay.busy} onClick=${() => replay.run()}>${replay.busy ? 'Replaying…' : `Replay selected (${selected.size})`}</button>
      <button onClick=${list.reload} disabled=${list.loading}>Refresh</button>
      <label class="check"><input type="checkbox" checked=${auto} onChange=${(e) => setAuto(e.currentTarget.checked)} /> auto-refresh every ${REFRESH_MS / 1000} s</label>
      ${list.loading ? html`<span class="busy">loading…</span>` : ''}
    </div>
    <${ErrorBox} error=${list.error || replay.error} />
    ${replay.result
      ? html`<p data-testid="replay-result">Replayed ${replay.result.replayed}: <span class="status-success">${replay.result.resolved.length} now rows</span>${replay.result.unresolved.length ? html`, <span class="status-error">${replay.result.unresolved.length} failed again (filed anew)</span>` : ''}.</p>`
      : ''}
    ${list.data && !errors.length ? html`<p class="muted" data-testid="no-errors">No errors${keyset.page > 1 ? ' on this page' : ''}.</p>` : ''}
    ${errors.length
      ? html`<table data-testid="errors">
          <thead><tr><th></th><th>id</th><th>filed</th><th>partition / offset</th><th>code</th><th>message</th><th>key</th><th>payload</th><th>resolved</th></tr></thead>
          <tbody>${errors.map((e) => html`<tr data-error-id=${e.id}>
            <td><input type="checkbox" aria-label=${`select error ${e.id}`} disabled=${!!e.resolved_at} checked=${selected.has(e.id)} onChange=${() => toggle(e.id)} /></td>
            <td>${e.id}</td><td>${fmtTime(e.created_at)}</td><td>${e.partition} / ${e.offset}</td>
            <td><span class="badge error">${e.code}</span></td><td>${e.message}</td><td><code>${e.key ?? '—'}</code></td>
            <td><pre class="payload" onClick=${() => setOpen(open === e.id ? null : e.id)} title="click to expand">${open === e.id ? e.payload : short(e.payload, 120)}</pre>${e.payload_encoding === 'base64' ? html`<span class="muted hint">base64</span>` : ''}</td>
            <td>${e.resolved_at ? html`<span class="status-success">${fmtTime(e.resolved_at)}</span>` : e.replayed_at ? html`<span class="muted">replayed ${fmtTime(e.replayed_at)}</span>` : '—'}</td>
          </tr>`)}</tbody>
        </table>`
      : ''}
    <${KeysetPager} keyset=${keyset} next=${list.data?.next} />
  </div>`;
}

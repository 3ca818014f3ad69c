// SEND RECORDS: paste {"records": [...]}, send it, and see each record's status
// beside it (the API answers one status per record, in request order).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, seg, url } from '../api.js';
import { ErrorBox, JsonEditor, html, useAction } from '../ui.js';

/** A record of the table's shape, so the editor starts from something sendable. */
function sampleOf(table) {
  const value = {};
  for (const c of table?.columns ?? []) {
    value[c.name] = { id: c.id_type === 'int' ? 1 : 'r1', int: 1, decimal: 1.5, string: 'text', bool: true, timestamp: new Date().toISOString().slice(0, 19) + 'Z', stringset: ['a'], idset: [1], json: {} }[c.type] ?? null;
  }
  return JSON.stringify({ records: [{ value }] }, null, 2);
}

export function SendRecords({ name, table }) {
  const [body, setBody] = useState(JSON.stringify({ records: [{ value: {} }] }, null, 2));
  // A ref, not state: the table's sample arrives later and must not overwrite what was typed meanwhile.
  const touched = useRef(false);
  const [waitApplied, setWaitApplied] = useState(true);
  useEffect(() => {
    if (!table || touched.current) return;
    api('GET', `/v2/tables/${seg(table)}`).then((t) => !touched.current && setBody(sampleOf(t)), () => {});
  }, [table]);
  const send = useAction(async () => {
    let sent = null;
    try {
      sent = JSON.parse(body).records;
    } catch {
      // The server judges the body and names what is wrong with it.
    }
    const answer = await api('POST', url(`/v2/sinks/${seg(name)}`, { wait: waitApplied ? 'applied' : undefined }), body);
    return { answer, sent: Array.isArray(sent) ? sent : [] };
  });
  const r = send.result;
  return html`<div class="card">
    <${JsonEditor} label="Records (the body of POST /v2/sinks/${name})" value=${body} rows=${12} testid="records"
      onInput=${(v) => { touched.current = true; setBody(v); }} />
    <div class="row">
      <button class="primary" data-testid="send-records" disabled=${send.busy} onClick=${() => send.run()}>${send.busy ? 'Sending…' : 'SEND RECORDS'}</button>
      <label class="check"><input type="checkbox" checked=${waitApplied} onChange=${(e) => setWaitApplied(e.currentTarget.checked)} /> wait until they are rows (<code>?wait=applied</code>)</label>
    </div>
    <${ErrorBox} error=${send.error} />
    ${r
      ? html`<p data-testid="send-summary"><span class="status-success">${r.answer.success_count} sent</span>, <span class="status-error">${r.answer.error_count} refused</span></p>
        <table class="records" data-testid="record-statuses">
          <thead><tr><th>#</th><th>record</th><th>status</th></tr></thead>
          <tbody>${r.answer.records.map((s, i) => html`<tr data-status=${s.status}>
            <td>${i}</td>
            <td class="record"><pre>${r.sent[i] === undefined ? '' : JSON.stringify(r.sent[i])}</pre></td>
            <td>${s.status === 'success'
              ? html`<span class="status-success">success</span>`
              : html`<span class="status-error">${s.error_code}</span><div>${s.error_message}</div>`}</td></tr>`)}</tbody>
        </table>`
      : ''}
  </div>`;
}

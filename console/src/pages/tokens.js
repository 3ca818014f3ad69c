// Tokens (admin): create one (its secret shown once, here, never again), list them
// (never their secrets) and revoke.
import { useState } from 'preact/hooks';
import { api, seg } from '../api.js';
import { ErrorBox, Paged, fmtTime, html, useAction, useLoad } from '../ui.js';

/** The scopes the server accepts, read from its own OpenAPI document (the token schema's enum). */
async function loadScopes(signal) {
  const doc = await fetch('/openapi.json', { signal }).then((r) => r.json());
  return doc.paths['/v1/tokens'].post.requestBody.content['application/json'].schema.properties.scopes.items.enum;
}

export function TokensPage() {
  const list = useLoad((signal) => api('GET', '/v1/tokens', undefined, { signal }), []);
  const scopes = useLoad(loadScopes, []);
  const [form, setForm] = useState({ name: '', scopes: new Set(), expires_at: '', resources: '' });
  const create = useAction(async () => {
    const body = { name: form.name, scopes: [...form.scopes] };
    if (form.expires_at) body.expires_at = form.expires_at;
    if (form.resources.trim()) {
      try {
        body.resources = JSON.parse(form.resources);
      } catch (e) {
        throw Object.assign(new Error(e.message), { field: 'resources', rule: 'must be JSON such as {"collections": ["docs"]}' });
      }
    }
    const created = await api('POST', '/v1/tokens', body);
    list.reload();
    return created;
  });
  const revoke = useAction(async (id) => {
    await api('DELETE', `/v1/tokens/${seg(id)}`);
    list.reload();
  });
  const [confirm, setConfirm] = useState(null);
  const toggle = (s) => {
    const next = new Set(form.scopes);
    next.has(s) ? next.delete(s) : next.add(s);
    setForm({ ...form, scopes: next });
  };
  const tokens = list.data?.tokens ?? [];
  return html`<h1>Tokens</h1>
    <div class="card">
      <h2>New token</h2>
      <form onSubmit=${(e) => { e.preventDefault(); create.run(); }}>
        <div class="row">
          <label>name <input name="token-name" value=${form.name} onInput=${(e) => setForm({ ...form, name: e.currentTarget.value })} placeholder="ci-writer" /></label>
          <label>expires at (optional, RFC 3339) <input name="expires-at" value=${form.expires_at} onInput=${(e) => setForm({ ...form, expires_at: e.currentTarget.value })} placeholder="2027-01-31T00:00:00Z" /></label>
          <label>resources (optional JSON) <input name="resources" value=${form.resources} onInput=${(e) => setForm({ ...form, resources: e.currentTarget.value })} placeholder='{"collections": ["docs"]}' /></label>
        </div>
        <div class="row">${(scopes.data ?? []).map((s) => html`<label class="check"><input type="checkbox" name="scope" value=${s} checked=${form.scopes.has(s)} onChange=${() => toggle(s)} /> ${s}</label>`)}</div>
        <${ErrorBox} error=${scopes.error} />
        <button class="primary" type="submit" data-testid="create-token" disabled=${create.busy}>${create.busy ? 'Creating…' : 'Create token'}</button>
      </form>
      <${ErrorBox} error=${create.error} />
      ${create.result
        ? html`<div class="secret" data-testid="token-secret">
            <b>Copy this token now: it is shown only once.</b> Intake keeps only its hash.
            <div class="row"><code>${create.result.token}</code><button onClick=${() => navigator.clipboard?.writeText(create.result.token)}>Copy</button><button onClick=${create.reset}>Done</button></div>
          </div>`
        : ''}
    </div>
    <div class="card">
      <h2>Tokens</h2>
      <${ErrorBox} error=${list.error || revoke.error} />
      ${tokens.length
        ? html`<${Paged} items=${tokens}>${(page) => html`<table data-testid="tokens">
            <thead><tr><th>name</th><th>hint</th><th>scopes</th><th>resources</th><th>expires</th><th>created</th><th>state</th><th></th></tr></thead>
            <tbody>${page.map((t) => html`<tr data-token=${t.name}>
              <td>${t.name}</td><td><code>${t.hint}</code></td><td>${t.scopes.join(', ')}</td>
              <td>${t.resources ? html`<code>${JSON.stringify(t.resources)}</code>` : html`<span class="muted">all</span>`}</td>
              <td>${t.expires_at ? fmtTime(t.expires_at) : html`<span class="muted">never</span>`}</td><td>${fmtTime(t.created_at)}</td>
              <td>${t.revoked_at ? html`<span class="badge down">revoked</span>` : html`<span class="badge up">active</span>`}</td>
              <td>${t.revoked_at
                ? ''
                : confirm === t.id
                  ? html`<button class="danger" disabled=${revoke.busy} onClick=${() => revoke.run(t.id)}>Revoke now</button> <button class="link" onClick=${() => setConfirm(null)}>cancel</button>`
                  : html`<button class="danger" onClick=${() => setConfirm(t.id)}>Revoke…</button>`}</td></tr>`)}</tbody>
          </table>`}<//>`
        : ''}
    </div>`;
}

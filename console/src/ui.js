// Pieces every page uses: loading without blocking the page, actions with a busy
// state, API errors shown with the field and rule they name, paging, tabs.
import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { session } from './api.js';

export { html };

/** A 401 after sign-in: the token was revoked or expired; drop it and show the sign-in form. */
function signInAgain() {
  session.signOut();
  location.reload();
}

/** Loads `fn(signal)` when `deps` change; `reload()` loads again. A newer load aborts the older one. */
export function useLoad(fn, deps, { refreshMs = 0 } = {}) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const current = useRef(null);
  const reload = useCallback(() => {
    current.current?.abort();
    const ctl = new AbortController();
    current.current = ctl;
    setState((s) => ({ ...s, loading: true }));
    fn(ctl.signal).then(
      (data) => !ctl.signal.aborted && setState({ data, error: null, loading: false }),
      (error) => !ctl.signal.aborted && setState((s) => ({ data: s.data, error, loading: false })),
    );
  }, deps);
  useEffect(() => {
    reload();
    const timer = refreshMs > 0 ? setInterval(reload, refreshMs) : null;
    return () => {
      clearInterval(timer);
      current.current?.abort();
    };
  }, [reload, refreshMs]);
  return { ...state, reload };
}

/** An action run from a button: `run(...args)` sets busy, keeps the result or the error. */
export function useAction(fn) {
  const [state, setState] = useState({ busy: false, error: null, result: undefined });
  const run = async (...args) => {
    setState((s) => ({ ...s, busy: true, error: null }));
    try {
      const result = await fn(...args);
      setState({ busy: false, error: null, result });
      return result;
    } catch (error) {
      setState({ busy: false, error, result: undefined });
      return undefined;
    }
  };
  return { ...state, run, reset: () => setState({ busy: false, error: null, result: undefined }) };
}

/** An API error as the API said it: the status and code, and the field and rule when it names them. */
export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert" data-testid="api-error">
    <div><b>${error.status ? `${error.status} ` : ''}${error.code || 'Error'}</b> ${error.request ? html`<span class="muted">${error.request}</span>` : ''}</div>
    ${error.field
      ? html`<div class="error-field">field <code data-testid="error-field">${error.field}</code> — rule: <span data-testid="error-rule">${error.rule}</span></div>`
      : html`<div>${error.message}</div>`}
    ${error.status === 401 && session.token() ? html`<button onClick=${signInAgain}>Sign in again</button>` : ''}
  </div>`;
}

export function Busy({ when, label = 'working…' }) {
  return when ? html`<span class="busy" aria-live="polite">${label}</span>` : null;
}

/** A client-side page of `items`: for lists the API answers whole (sinks, tables, tokens, collections). */
export function Paged({ items, size = 25, children }) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(items.length / size));
  const at = Math.min(page, pages - 1);
  const shown = items.slice(at * size, at * size + size);
  return html`${children(shown)}
    ${pages > 1
      ? html`<div class="pager">
          <button disabled=${at === 0} onClick=${() => setPage(at - 1)}>‹ prev</button>
          <span>page ${at + 1} of ${pages} (${items.length})</span>
          <button disabled=${at >= pages - 1} onClick=${() => setPage(at + 1)}>next ›</button>
        </div>`
      : ''}`;
}

/** Keyset paging for lists the API pages itself (`next` → `?after=`): a stack of the `after`s walked. */
export function useKeyset() {
  const [trail, setTrail] = useState(['']);
  const after = trail[trail.length - 1];
  return {
    after,
    page: trail.length,
    next: (cursor) => cursor && setTrail([...trail, cursor]),
    prev: () => trail.length > 1 && setTrail(trail.slice(0, -1)),
    first: () => setTrail(['']),
  };
}

export function KeysetPager({ keyset, next }) {
  if (keyset.page === 1 && !next) return null;
  return html`<div class="pager">
    <button disabled=${keyset.page === 1} onClick=${keyset.prev}>‹ prev</button>
    <span>page ${keyset.page}</span>
    <button disabled=${!next} onClick=${() => keyset.next(next)}>next ›</button>
  </div>`;
}

export function Tabs({ tabs, active, href }) {
  return html`<nav class="tabs">
    ${tabs.map(([id, label]) => html`<a href=${href(id)} class=${id === active ? 'active' : ''} data-tab=${id}>${label}</a>`)}
  </nav>`;
}

/** A JSON textarea with a client-side parse check, so a typo is seen before it is sent. */
export function JsonEditor({ value, onInput, rows = 10, label, testid }) {
  let problem = null;
  try {
    JSON.parse(value);
  } catch (e) {
    problem = e.message;
  }
  return html`<label class="editor">${label}
    <textarea rows=${rows} spellcheck="false" data-testid=${testid} value=${value} onInput=${(e) => onInput(e.currentTarget.value)}></textarea>
    ${problem ? html`<span class="hint warn">not valid JSON yet: ${problem}</span>` : ''}
  </label>`;
}

export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
export const short = (s, n = 160) => (s && s.length > n ? `${s.slice(0, n)}…` : s);

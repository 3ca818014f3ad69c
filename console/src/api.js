// Every call the console makes goes through here: the REST API of the app that
// served the page, with the signed-in token as `Authorization: Bearer`. The console
// has no other access, so it can do nothing the token may not.

const TOKEN_KEY = 'intake.console.token';

/** The token lives in sessionStorage: gone when the tab closes, never sent anywhere but this origin's API. */
export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer other than 2xx, with what Intake's error body names: code, field, rule. */
export class ApiError extends Error {
  constructor(status, body, method, path) {
    // Intake's errors are {error: {code, message, field?, rule?}}; the streams ingest route
    // answers in seed 003's shape {error: "invalid_format", detail}.
    const raw = body && typeof body === 'object' ? body.error : undefined;
    const e = typeof raw === 'string' ? { code: raw, message: body.detail } : raw || {};
    super(e.message || (typeof body === 'string' && body) || `HTTP ${status}`);
    this.status = status;
    this.code = e.code;
    this.field = e.field;
    this.rule = e.rule;
    this.detail = e;
    this.request = `${method} ${path}`;
  }
}

/**
 * One API call. `body` may be an object (sent as JSON) or a string (sent as typed,
 * so the server, not the console, judges pasted JSON). Answers the parsed body;
 * throws ApiError for a non-2xx answer.
 */
export async function api(method, path, body, options = {}) {
  const headers = { ...(options.headers || {}) };
  const token = options.token ?? session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    signal: options.signal,
  });
  const text = await res.text();
  let parsed = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (!res.ok) throw new ApiError(res.status, parsed, method, path);
  return parsed;
}

/** `/a/b?x=1` with each value encoded; undefined and '' values left out. */
export function url(path, query = {}) {
  const q = Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return q.length ? `${path}?${q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : path;
}

/** A path segment from a name the user typed or the API returned. */
export const seg = (name) => encodeURIComponent(name);

/** Prometheus text (/metrics) → [{name, labels, value}] for the gauges the console shows. */
export function parsePrometheus(text, wanted) {
  const out = [];
  for (const line of String(text).split('\n')) {
    if (!line || line[0] === '#') continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || !wanted.includes(m[1])) continue;
    const labels = {};
    for (const [, k, v] of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

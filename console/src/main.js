// The console's shell: sign-in with an API token, the navigation, and a hash router
// (#/sinks/orders/errors), so the app serves one page at /console and every screen
// has an address that survives a reload.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, session } from './api.js';
import { ErrorBox, html } from './ui.js';
import { SinksPage } from './pages/sinks.js';
import { TablesPage } from './pages/tables.js';
import { CollectionsPage } from './pages/collections.js';
import { StreamsPage } from './pages/streams.js';
import { TasksPage } from './pages/tasks.js';
import { TokensPage } from './pages/tokens.js';
import { HealthPage } from './pages/health.js';
import './style.css';
import 'uplot/dist/uPlot.min.css';

const PAGES = [
  ['sinks', 'Sinks', SinksPage],
  ['tables', 'Tables', TablesPage],
  ['collections', 'Collections', CollectionsPage],
  ['streams', 'Streams', StreamsPage],
  ['tasks', 'Tasks', TasksPage],
  ['tokens', 'Tokens', TokensPage],
  ['health', 'Health', HealthPage],
];

function useHashRoute() {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'sinks').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onSignedIn }) {
  const [token, setToken] = useState('');
  const [state, setState] = useState({ busy: false, error: null });
  const submit = async (e) => {
    e.preventDefault();
    setState({ busy: true, error: null });
    try {
      // Any authenticated route tells a valid token (200, or 403 when it lacks this scope) from a refused one (401).
      await api('GET', '/vectordb/collections', undefined, { token: token.trim() }).catch((err) => {
        if (err.status !== 403) throw err;
      });
      session.signIn(token.trim());
      onSignedIn();
    } catch (error) {
      setState({ busy: false, error });
    }
  };
  return html`<main class="signin">
    <h1>Intake console</h1>
    <form onSubmit=${submit}>
      <label>API token <input type="password" name="token" autocomplete="off" value=${token} onInput=${(e) => setToken(e.currentTarget.value)} placeholder="intake_…" /></label>
      <button type="submit" disabled=${state.busy || !token.trim()}>${state.busy ? 'Checking…' : 'Sign in'}</button>
      <p class="muted">The token stays in this tab's session storage and is sent only to this server's API.</p>
      <${ErrorBox} error=${state.error} />
    </form>
  </main>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(!!session.token());
  const route = useHashRoute();
  if (!signedIn) return html`<${SignIn} onSignedIn=${() => setSignedIn(true)} />`;
  const [name, ...rest] = route;
  const page = PAGES.find(([id]) => id === name) ?? PAGES[0];
  const Page = page[2];
  const signOut = () => {
    session.signOut();
    setSignedIn(false);
  };
  return html`<div class="shell">
    <nav class="side">
      <div class="brand">Intake</div>
      ${PAGES.map(([id, label]) => html`<a href=${`#/${id}`} class=${id === page[0] ? 'active' : ''}>${label}</a>`)}
      <button class="link signout" onClick=${signOut}>Sign out</button>
    </nav>
    <main class="content" key=${page[0]}><${Page} path=${rest} /></main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));

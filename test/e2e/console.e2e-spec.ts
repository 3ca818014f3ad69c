// The web console (/console) in a real headless Chromium — Debian's `chromium`,
// driven by playwright-core, which downloads no browser of its own — against the
// app on 127.0.0.1 with a real broker and Postgres. Every request the page makes is
// watched: anything not to the app's own origin is refused and fails the test, so
// the console works with no network. Screenshots of each screen go to
// .tmp/console-screenshots/ (gitignored); the best are copied to docs/console/.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { Partitioners } from 'kafkajs';
import { http, startApp, withTestApp } from '../support/app';
import { eventually, kafkaClient } from '../support/broker';

jest.setTimeout(240_000);

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = path.join(__dirname, '..', '..');
const SHOTS = path.join(ROOT, '.tmp', 'console-screenshots');
/** Generous: the machine is shared and slow; a wait ends as soon as the page shows what it waits for. */
const UI_TIMEOUT_MS = 60_000;

/** `npm run build:console`, as a child (async: the broker runs in this process). */
function buildConsole(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(ROOT, 'console', 'build.mjs')], { timeout: 120_000 }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()));
  });
}

describe('the web console in headless Chromium', () => {
  // The page is read when the app starts, so it is built first (hooks run in the order they are registered).
  beforeAll(buildConsole, 120_000);
  const t = withTestApp({ app: false });
  let browser: Browser;
  let page: Page;
  const offOrigin: string[] = [];
  const pageErrors: string[] = [];
  const api = (method: string, p: string, body?: unknown) => http(t.app.url, method, p, body);
  const go = (hash: string) => page.goto(`${t.app.url}/console#/${hash}`);
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    // One item per task batch, so a task of a few thousand items is still running when the test cancels it.
    t.app = await startApp(t.infra, undefined, { INTAKE_TASK_BATCH_ITEMS: '1' });
    fs.mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(`${t.app.url}/`) || u.startsWith('data:')) return route.continue();
      offOrigin.push(u);
      return route.abort();
    });
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The page's Content-Security-Policy must never have to refuse something the console itself does.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(() => {
    expect(offOrigin).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('serves /console as one self-contained page, publicly', async () => {
    const res = await fetch(`${t.app.url}/console`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).toContain('<script>');
    // It may run only its own script (by hash) and talk only to this server.
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]{44}'; [^"]*connect-src 'self'/);
  });

  it('signs in with an API token (a wrong one is refused with the API\'s 401) and keeps it in sessionStorage', async () => {
    await page.goto(`${t.app.url}/console`);
    await page.fill('input[name=token]', 'intake_NotAToken00000000000000000000000000000000');
    await page.click('button[type=submit]');
    await page.getByTestId('api-error').getByText('401 INTAKE_UNAUTHORIZED').waitFor();
    await shot('sign-in');
    await page.fill('input[name=token]', 'intake_TestAdminToken0000000000000000000000000000');
    await page.click('button[type=submit]');
    await page.locator('nav.side').waitFor();
    expect(await page.evaluate('Object.values(sessionStorage)')).toEqual(['intake_TestAdminToken0000000000000000000000000000']);
  });

  it('creates a table and a sink, shows an API error with its field and rule, and shows each record\'s status beside it after SEND RECORDS', async () => {
    await go('tables');
    await page.getByTestId('new-table').fill(JSON.stringify({ name: 'orders', columns: [{ name: 'order_id', type: 'id' }, { name: 'item', type: 'string', required: true }, { name: 'qty', type: 'int', min: 1 }] }));
    await page.getByTestId('create-table').click();
    await page.waitForURL(/#\/tables\/orders$/);

    await go('sinks');
    // A name the API refuses: the console shows the field and the rule the API named.
    await page.getByTestId('new-sink').fill(JSON.stringify({ name: 'Bad Name!', table: 'orders', id_field: 'order_id' }));
    await page.getByTestId('create-sink').click();
    await expect(page.getByTestId('error-field').textContent()).resolves.toBe('name');
    expect(await page.getByTestId('error-rule').textContent()).toMatch(/^must /);
    await page.getByTestId('new-sink').fill(JSON.stringify({ name: 'orders-in', table: 'orders', id_field: 'order_id', partitions: 1 }));
    await page.getByTestId('create-sink').click();
    await page.waitForURL(/#\/sinks\/orders-in\/send$/);

    const records = [
      { value: { order_id: 'o1', item: 'lamp', qty: 2 } },
      { value: { order_id: 'o2', item: 'desk', qty: 0 } },
      { value: { order_id: 'o3', qty: 1 } },
      { value: { order_id: 'o4', item: 'chair', qty: 4 } },
    ];
    await page.getByTestId('records').fill(JSON.stringify({ records }, null, 2));
    await page.getByTestId('send-records').click();
    const rows = page.getByTestId('record-statuses').locator('tbody tr');
    await rows.nth(3).waitFor();
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({ status: tr.getAttribute('data-status'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) })));
    expect(shown.map((r) => r.status)).toEqual(['success', 'error', 'error', 'success']);
    // Each status beside the record it belongs to.
    expect(shown.map((r) => JSON.parse(r.cells[1]!).value.order_id)).toEqual(['o1', 'o2', 'o3', 'o4']);
    expect(shown[1].cells[2]).toBe('InvalidBodyvalue.qty: must be an integer in [1, 9007199254740991] or null, got 0');
    expect(shown[2].cells[2]).toBe('InvalidBodyvalue.item: is required');
    expect(await page.getByTestId('send-summary').textContent()).toBe('2 sent, 2 refused');
    await shot('sink-send-records');
    // ?wait=applied was on: the rows are there, and the table's screen shows them.
    await page.getByTestId('sink-table').click();
    const tableRows = page.getByTestId('rows').locator('tbody tr');
    await tableRows.nth(1).waitFor();
    expect(await tableRows.allTextContents()).toEqual(['o1lamp2', 'o4chair4']);
    await shot('table-rows');
  });

  it('shows an error filed asynchronously (a bad record produced straight to the topic) in ERRORS without a reload, and replays it', async () => {
    await go('sinks/orders-in/errors');
    await page.getByTestId('no-errors').waitFor();
    const producer = kafkaClient(t.broker, 'console-test').producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'intake.sink.orders-in', messages: [{ key: 'k1', value: '{"order_id":"k1","item":"lamp","qty":1,"color":"red"}' }] });
    await producer.disconnect();
    // The tab refreshes itself: no click, no navigation.
    const row = page.getByTestId('errors').locator('tbody tr');
    await row.first().waitFor();
    expect(await row.count()).toBe(1);
    expect(await row.first().textContent()).toContain('value.color: is not a column of the table');
    expect(await row.first().textContent()).toContain('"color":"red"');
    await shot('sink-errors');
    // Fix the cause, then replay the selected error from the console.
    expect((await api('POST', '/v2/tables/orders/columns', { name: 'color', type: 'string' })).status).toBe(201);
    await row.first().locator('input[type=checkbox]').check();
    await page.getByTestId('replay').click();
    expect(await page.getByTestId('replay-result').textContent()).toBe('Replayed 1: 1 now rows.');
    expect((await api('GET', '/v2/tables/orders/rows/k1')).body).toEqual({ order_id: 'k1', item: 'lamp', qty: 1, color: 'red' });
  });

  it('draws a point for the current minute on the METRICS chart, and minutes without traffic as gaps', async () => {
    const minute = Math.floor(Date.now() / 60_000) * 60;
    const sent = await api('POST', '/v2/sinks/orders-in', { records: [{ value: { order_id: 'm1', item: 'cup', qty: 1, color: 'blue' } }] });
    expect(sent.body).toMatchObject({ success_count: 1 });
    await go('sinks/orders-in/metrics');
    // Buckets are flushed once a second and the tab refreshes every 10 s: wait for the minute to show.
    await eventually(async () => (await page.locator(`[data-testid=metric-buckets] tbody tr`).count()) > 0, UI_TIMEOUT_MS, 'a bucket on the METRICS tab');
    const drawn = await page.getByTestId('metrics-chart').evaluate((el, sentMinute) => {
      const u = (el as unknown as { uplot: { data: (number | null)[][]; valToPos(v: number, s: string, c: boolean): number; ctx: { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } } }).uplot;
      const xs = u.data[0] as number[];
      const ingest = u.data[1];
      const i = xs.findIndex((x, k) => x >= sentMinute && ingest[k] !== null);
      if (i < 0) return { found: false };
      const px = u.ctx.getImageData(Math.round(u.valToPos(xs[i], 'x', true)), Math.round(u.valToPos(ingest[i] as number, 'y', true)), 1, 1).data;
      return { found: true, gapBefore: ingest[0] === null, minutes: xs.length, pixel: Array.from(px) };
    }, minute);
    expect(drawn).toMatchObject({ found: true, gapBefore: true });
    expect(drawn.minutes).toBeGreaterThanOrEqual(60);
    // The point is painted in one of the three series' colours (blue, green, red), not the background.
    const [r, g, b, a] = drawn.pixel!;
    expect(a).toBeGreaterThan(200);
    const colours = [[0x2f, 0x6f, 0xde], [0x1c, 0x8a, 0x4c], [0xc2, 0x3b, 0x3b]];
    expect(colours.some(([cr, cg, cb]) => Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) < 60)).toBe(true);
    await shot('sink-metrics');
  });

  it('creates a collection, upserts text lines and finds them by text search; the list shows the vector count', async () => {
    await go('collections');
    await page.fill('input[name=name]', 'notes');
    await page.fill('input[name=dimension]', '64');
    await page.getByTestId('create-collection').click();
    await page.waitForURL(/#\/collections\/notes$/);
    await page.getByTestId('upsert-input').fill('fox the quick brown fox jumps over the lazy dog\nsoup a recipe for tomato soup with basil\ntrain the night train to the coast');
    await page.getByTestId('upsert').click();
    expect(await page.getByTestId('upsert-result').textContent()).toBe('3 upserted, searchable now');
    await page.getByTestId('search-input').fill('tomato soup recipe');
    await page.getByTestId('search').click();
    const results = page.getByTestId('search-results').locator('tbody tr');
    await results.first().waitFor();
    expect(await results.first().locator('td').nth(1).textContent()).toBe('soup');
    // An ingest session opened on the index shows on its screen (refreshed every 5 s).
    const init = await api('POST', '/init', { index_name: 'notes', mode: 'upsert' });
    expect(init.status).toBe(200);
    const session = (await api('GET', '/ingest/status?index_name=notes')).body.session;
    expect(session).toMatchObject({ status: 'open' });
    await page.getByTestId('index-status').getByText(session.session_id).waitFor();
    expect(await page.getByTestId('index-status').textContent()).toContain('open, 0 rows staged');
    await shot('collection-search');
    await go('collections');
    await eventually(async () => (await page.locator('[data-collection=notes] [data-col=vectors]').textContent()) === '3', UI_TIMEOUT_MS, 'the list to show 3 vectors');
    await shot('collections');
  });

  it('creates a token whose secret is shown once, lists it and revokes it', async () => {
    await go('tokens');
    await page.fill('input[name=token-name]', 'ci-writer');
    await page.locator('input[name=scope][value="sinks:write"]').check();
    await page.getByTestId('create-token').click();
    const secret = (await page.getByTestId('token-secret').locator('code').textContent())!;
    expect(secret).toMatch(/^intake_/);
    // The secret works against the API, with the scope it was given.
    expect((await http(t.app.url, 'GET', '/v2/sinks', undefined, secret)).status).toBe(200);
    expect((await http(t.app.url, 'GET', '/vectordb/collections', undefined, secret)).status).toBe(403);
    await shot('tokens');
    await page.locator('[data-token=ci-writer]').getByText('Revoke…').click();
    await page.locator('[data-token=ci-writer]').getByText('Revoke now').click();
    await page.locator('[data-token=ci-writer]').getByText('revoked').waitFor();
    expect((await http(t.app.url, 'GET', '/v2/sinks', undefined, secret)).status).toBe(401);
    // Shown once: after a reload the list has only the hint.
    await page.reload();
    await page.locator('[data-token=ci-writer]').waitFor();
    expect(await page.content()).not.toContain(secret);
  });

  it('creates a stream, refuses a bad pipeline naming its field and rule, saves a new version, TESTs events per destination, sends events and follows them in METRICS and ERRORS', async () => {
    expect((await api('POST', '/v2/tables', { name: 'app_errors', columns: [{ name: 'id', type: 'id' }, { name: 'message', type: 'string', required: true }] })).status).toBe(201);
    const destinations = [
      { name: 'errors', type: 'table', table: 'app_errors', id_field: 'event.id', fields: [{ column: 'message', path: 'event.message' }] },
      { name: 'archive', type: 'file' },
    ];
    const routes = [{ when: { 'event.level': 'error' }, to: ['errors'], final: true }, { to: ['archive'] }];
    await go('streams');
    await page.getByTestId('new-stream').fill(JSON.stringify({ name: 'app-logs', pipeline: [{ type: 'filter', drop_when: { 'event.level': 'debug' } }], routes, destinations }));
    await page.getByTestId('create-stream').click();
    await page.waitForURL(/#\/streams\/[0-9a-f-]{36}\/pipeline$/);

    // PIPELINE: a processor the server refuses, then a good one: version 2.
    await page.getByTestId('pipeline').fill(JSON.stringify({ pipeline: [{ type: 'sample', rate: 0 }], routes, destinations }));
    await page.getByTestId('save-pipeline').click();
    expect(await page.getByTestId('error-field').textContent()).toBe('pipeline[0].rate');
    await shot('stream-pipeline-refused');
    const pipeline = [{ type: 'filter', drop_when: { 'event.level': 'debug' } }, { type: 'mask', field: 'event.message', pattern: 'card_number', with: 'mask', mask: '[card]' }];
    await page.getByTestId('pipeline').fill(JSON.stringify({ pipeline, routes, destinations }, null, 2));
    await page.getByTestId('save-pipeline').click();
    expect(await page.getByTestId('pipeline-saved').textContent()).toBe('saved as version 2');
    // The header reloads the stream after the save: it follows to version 2.
    await page.locator('[data-testid=stream-version]', { hasText: /^2$/ }).waitFor();

    // TEST: what each destination would get; nothing is appended.
    const events = [
      { source: 'web', event: { level: 'error', id: 'e1', message: 'card 4111 1111 1111 1111 declined' } },
      { source: 'web', event: { level: 'info', id: 'e2', message: 'page view' } },
      { source: 'web', event: { level: 'debug', id: 'e3', message: 'cache miss' } },
      { source: 'web', event: { level: 'error', id: 'e4' } },
    ];
    await page.locator('[data-tab=test]').click();
    await page.getByTestId('test-events').fill(JSON.stringify(events, null, 2));
    await page.getByTestId('run-test').click();
    await page.getByTestId('test-result').waitFor();
    const rows = await page.getByTestId('test-result').locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-destination'), ...[...tr.querySelectorAll('td')].slice(1).map((td) => td.textContent)]));
    expect(rows.map((r) => r.slice(0, 2))).toEqual([['errors', '0'], ['errors', '3'], ['archive', '1'], ['(dropped)', '2']]);
    expect(rows[0][2]).toContain('card [card] declined');
    expect(rows[0][3]).toBe('row e1');
    expect(rows[1][3]).toMatch(/message.*required/);
    expect(rows[3][2]).toBe('by filter');
    await shot('stream-test');

    // SEND EVENTS through the ingest endpoint; e4 cannot become a row and is filed. (The
    // chart below counts 4 events in, not 8: TEST appended nothing.)
    await page.locator('[data-tab=send]').click();
    await page.getByTestId('send-events').fill(JSON.stringify(events));
    await page.getByTestId('send-events-button').click();
    expect(await page.getByTestId('send-events-result').textContent()).toMatch(/^accepted: 4 event\(s\)/);
    await page.locator('[data-tab=errors]').click();
    const errorRows = page.getByTestId('errors').locator('tbody tr');
    await errorRows.first().waitFor();
    expect(await errorRows.first().textContent()).toContain('errors');
    expect(await errorRows.first().textContent()).toContain('"e4"');
    await shot('stream-errors');
    await page.locator('[data-tab=metrics]').click();
    await page.locator('[data-testid=metric-buckets] tbody tr').first().waitFor();
    const drawnPoints = await page.getByTestId('metrics-chart').evaluate((el) => (el as unknown as { uplot: { data: (number | null)[][] } }).uplot.data[1].filter((v) => v !== null));
    expect(drawnPoints).toEqual([4]);
    await shot('stream-metrics');
  });

  it('creates an upsertion task, cancels it while it runs and restarts it; a finished task shows its failed_items; the list filters by status', async () => {
    const status = () => page.getByTestId('task-status');
    await go('tasks');
    const items = Array.from({ length: 3_000 }, (_, i) => ({ object_id: `paper-${i}`, payload: { text: `paper ${i} on vector search` } }));
    await page.getByTestId('new-task').fill(JSON.stringify({ task_id: 'big-task', items }));
    await page.getByTestId('create-task').click();
    await page.waitForURL(/#\/tasks\/big-task$/);
    await page.getByTestId('cancel-task').click();
    await status().getByText('canceled', { exact: true }).waitFor();
    expect((await api('GET', '/embeddings/upsertion-tasks/info?task_id=big-task')).body.status).toBe('canceled');
    await page.getByTestId('restart-task').click();
    await eventually(async () => ['pending', 'processing'].includes((await status().textContent()) ?? ''), UI_TIMEOUT_MS, 'the restarted task to be pending or processing');
    // Stop it again, so it does not run on through the rest of the file.
    await page.getByTestId('cancel-task').click();
    await status().getByText('canceled', { exact: true }).waitFor();
    await shot('task-canceled');

    await go('tasks');
    await page.getByTestId('new-task').fill(JSON.stringify({ task_id: 'small-task', items: [{ object_id: 'ok-1', payload: { text: 'hello tasks' } }, { object_id: 'no-text', payload: {} }] }));
    await page.getByTestId('create-task').click();
    await page.waitForURL(/#\/tasks\/small-task$/);
    const failed = page.getByTestId('failed-items').locator('tbody tr');
    await failed.first().waitFor();
    expect(await failed.first().locator('td').first().textContent()).toBe('no-text');
    await shot('task-detail');

    await go('tasks');
    await page.selectOption('select[name=status]', 'canceled');
    await eventually(async () => (await page.locator('[data-testid=tasks] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-task')))).join() === 'big-task', UI_TIMEOUT_MS, 'the canceled filter to list big-task only');
    await page.selectOption('select[name=status]', '');
    await page.locator('[data-task=small-task]').waitFor();
    await shot('tasks');
  });

  it('shows health with each contributor', async () => {
    await go('health');
    expect(await page.getByTestId('health-status').textContent()).toBe('ok');
    const names = await page.getByTestId('health').locator('tbody tr td:first-child').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['database', 'log', 'consumer_lag']));
    await shot('health');
  });
});

// Sinks (seed 002) end to end on a real broker and Postgres: tables with typed
// columns and nested paths, the ingest endpoint's per-record statuses, rows read
// back, latest-wins upserts, a kcat-produced invalid record in /errors and its replay
// after the table gains the column, per-minute metrics, Idempotency-Key, the HTTP
// refusals (400/401/404/413) and names that try to inject SQL.
import { execFile } from 'node:child_process';
import { http, startApp, withTestApp } from '../support/app';
import { eventually } from '../support/broker';

jest.setTimeout(180_000);

/** kcat as a child (async: the broker runs in this process, so a synchronous exec would starve it). */
function kcat(args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile('kcat', args, { timeout: 30_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve()));
    child.stdin!.end(input);
  });
}

const PROJECTS = {
  name: 'projects',
  columns: [
    { name: 'project_id', type: 'id' },
    { name: 'language', type: 'string', max_length: 10 },
    { name: 'stars', type: 'int', min: 0, max: 1000 },
    { name: 'price', type: 'decimal', scale: 2 },
    { name: 'active', type: 'bool' },
    { name: 'created', type: 'timestamp' },
    { name: 'tags', type: 'stringset' },
    { name: 'owners', type: 'idset' },
    { name: 'meta', type: 'json' },
    { name: 'owner_name', type: 'string' },
  ],
};
const FIELDS = [
  { column: 'language', path: ['language'] },
  { column: 'stars', path: ['stats', 'stars'] },
  { column: 'price', path: ['price'] },
  { column: 'active', path: ['active'] },
  { column: 'created', path: ['created'] },
  { column: 'tags', path: ['tags'] },
  { column: 'owners', path: ['owners'] },
  { column: 'meta', path: ['meta'] },
  { column: 'owner_name', path: ['owner', 'profile', 'name'] },
];
const full = (id: string, over: Record<string, unknown> = {}) => ({
  project_id: id,
  language: 'python',
  stats: { stars: 5 },
  price: 12.5,
  active: true,
  created: '2026-12-01T10:00:00Z',
  tags: ['a', 'b', 'a'],
  owners: [3, 1],
  meta: { x: [1, 2] },
  owner: { profile: { name: 'ada' } },
  ...over,
});

describe('sinks', () => {
  const t = withTestApp({ db: true });
  const req = (method: string, path: string, body?: unknown, token?: string | null) => http(t.app.url, method, path, body, token);

  beforeAll(async () => {
    expect((await req('POST', '/v2/tables', PROJECTS)).status).toBe(201);
    expect((await req('POST', '/v2/sinks', { name: 'proj', table: 'projects', id_field: 'project_id', fields: FIELDS })).status).toBe(201);
    const loose = await req('POST', '/v2/sinks', { name: 'proj-loose', table: 'projects', id_field: 'project_id', fields: FIELDS, allow_missing_fields: true });
    expect(loose.status).toBe(201);
    expect(loose.body).toMatchObject({ id: 'proj-loose', state: 'ACTIVE', topic: 'intake.sink.proj-loose', partitions: 4 });
  });

  it('answers a mixed batch with one status per record, in order, and the valid ones become rows (latest wins)', async () => {
    const withoutOwner: Record<string, unknown> = full('p-missing');
    delete withoutOwner.owner;
    const records = [
      { value: full('p1') },
      { value: full('p2', { stats: { stars: 'many' } }) }, // wrong type
      { value: full('p3', { stats: { stars: 1001 } }) }, // out of range
      { value: full('p4', { language: 'x'.repeat(11) }) }, // too long
      { value: (({ project_id: _id, ...rest }) => rest)(full('none')) }, // missing id
      { value: withoutOwner }, // missing optional field, allow_missing_fields false
      { value: full('p7', { language: 'go' }) },
      { value: full('p7', { language: 'rust' }) }, // same id twice: the later wins
      { nope: 1 }, // not a record
    ];
    const res = await req('POST', '/v2/sinks/proj?wait=applied', { records });
    expect(res.status).toBe(200);
    expect(res.body.success_count).toBe(3);
    expect(res.body.error_count).toBe(6);
    const e = (message: string) => ({ status: 'error', error_code: 'InvalidBody', error_message: message });
    expect(res.body.records).toEqual([
      { status: 'success' },
      e('value.stats.stars: must be an integer in [0, 1000] or null, got the string "many"'),
      e('value.stats.stars: must be an integer in [0, 1000] or null, got 1001'),
      e('value.language: must be a string of at most 10 characters without U+0000'),
      e('value.project_id: is required'),
      e('value.owner: is required'),
      { status: 'success' },
      { status: 'success' },
      e('records[8]: must be an object {"value": {…}}'),
    ]);
    // Read back at once (wait=applied).
    const p1 = await req('GET', '/v2/tables/projects/rows/p1');
    expect(p1).toEqual({
      status: 200,
      body: {
        project_id: 'p1',
        language: 'python',
        stars: 5,
        price: 12.5,
        active: true,
        created: '2026-12-01T10:00:00.000Z',
        tags: ['a', 'b'],
        owners: [3, 1],
        meta: { x: [1, 2] },
        owner_name: 'ada',
      },
    });
    expect((await req('GET', '/v2/tables/projects/rows/p7')).body.language).toBe('rust');
    const rows = await req('GET', '/v2/tables/projects/rows?limit=1');
    expect(rows.body).toMatchObject({ rows: [{ project_id: 'p1' }], next: 'p1' });
    const rest = await req('GET', '/v2/tables/projects/rows?after=p1');
    expect(rest.body).toEqual({ rows: [expect.objectContaining({ project_id: 'p7' })], next: null });
    expect((await t.db.query(`SELECT count(*)::int AS n FROM intake_tables.projects WHERE project_id = 'p7'`))[0].n).toBe(1);

    // The same missing field is fine where allow_missing_fields is set: NULL there.
    const loose = await req('POST', '/v2/sinks/proj-loose?wait=applied', { records: [{ value: withoutOwner }] });
    expect(loose.body).toEqual({ success_count: 1, error_count: 0, records: [{ status: 'success' }] });
    expect((await req('GET', '/v2/tables/projects/rows/p-missing')).body.owner_name).toBeNull();
    // Without ?wait the answer comes once the records are in the log; they become rows soon after.
    expect((await req('POST', '/v2/sinks/proj', { records: [{ value: full('p8') }] })).body.success_count).toBe(1);
    await eventually(async () => (await req('GET', '/v2/tables/projects/rows/p8')).status === 200, 20_000, 'p8 to be a row');
  });

  it('files a record a Kafka producer wrote directly and that fails validation, and replays it once the table has the column', async () => {
    expect((await req('POST', '/v2/tables', { name: 'things', columns: [{ name: 'id', type: 'id' }, { name: 'name', type: 'string' }] })).status).toBe(201);
    // No fields: columns are read by name, and a key that is no column is refused.
    expect((await req('POST', '/v2/sinks', { name: 'auto', table: 'things', id_field: 'id', partitions: 1 })).status).toBe(201);
    const payload = '{"id":"k1","name":"lamp","color":"red"}';
    await kcat(['-b', t.broker.address, '-X', 'broker.address.family=v4', '-X', 'partitioner=murmur2_random', '-P', '-t', 'intake.sink.auto', '-k', 'k1'], payload);
    let errors: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    await eventually(async () => (errors = (await req('GET', '/v2/sinks/auto/errors')).body.errors).length === 1, 30_000, 'the kcat record in /errors');
    expect(errors[0]).toMatchObject({
      sink_id: 'auto',
      partition: 0,
      offset: '0',
      code: 'INVALID_RECORD',
      message: 'value.color: is not a column of the table (this sink maps columns by name)',
      key: 'k1',
      payload,
      payload_encoding: 'utf8',
      resolved_at: null,
    });
    // Over HTTP the same record is refused synchronously.
    expect((await req('POST', '/v2/sinks/auto', { records: [{ value: JSON.parse(payload) }] })).body.error_count).toBe(1);

    expect((await req('POST', '/v2/tables/things/columns', { name: 'color', type: 'string' })).status).toBe(201);
    const replay = await req('POST', '/v2/sinks/auto/errors/replay', { ids: [errors[0].id] });
    expect(replay).toEqual({ status: 200, body: { replayed: 1, applied: true, resolved: [errors[0].id], unresolved: [] } });
    expect((await req('GET', '/v2/tables/things/rows/k1')).body).toEqual({ id: 'k1', name: 'lamp', color: 'red' });
    const after = (await req('GET', '/v2/sinks/auto/errors')).body.errors;
    expect(after).toHaveLength(1);
    expect(after[0].resolved_at).not.toBeNull();
    expect(after[0].replayed_at).not.toBeNull();
    // Replaying again finds nothing unresolved.
    expect((await req('POST', '/v2/sinks/auto/errors/replay', { since: '2000-01-01T00:00:00Z' })).body).toEqual({ replayed: 0, resolved: [], unresolved: [] });
  });

  it('pages errors newest first and filters by since', async () => {
    expect((await req('POST', '/v2/sinks', { name: 'auto2', table: 'things', id_field: 'id', partitions: 1 })).status).toBe(201);
    const lines = ['not json', '{"id":"a","bogus":1}', '{"name":"no id"}'].join('\n') + '\n';
    await kcat(['-b', t.broker.address, '-X', 'broker.address.family=v4', '-P', '-t', 'intake.sink.auto2', '-K', '\t'], lines.split('\n').filter(Boolean).map((l, i) => `k${i}\t${l}`).join('\n') + '\n');
    await eventually(async () => (await req('GET', '/v2/sinks/auto2/errors')).body.errors.length === 3, 30_000, 'three errors');
    const first = await req('GET', '/v2/sinks/auto2/errors?limit=2');
    expect(first.body.errors.map((e: { offset: string }) => e.offset)).toEqual(['2', '1']);
    expect(first.body.errors.map((e: { code: string }) => e.code)).toEqual(['INVALID_RECORD', 'INVALID_RECORD']);
    const second = await req('GET', `/v2/sinks/auto2/errors?limit=2&after=${first.body.next}`);
    expect(second.body).toMatchObject({ errors: [{ offset: '0', code: 'MALFORMED_JSON', payload: 'not json' }], next: null });
    expect((await req('GET', '/v2/sinks/auto2/errors?since=2999-01-01T00:00:00Z')).body.errors).toEqual([]);
  });

  it('counts requests, records sent and records refused per minute, only for minutes with traffic', async () => {
    expect((await req('POST', '/v2/sinks', { name: 'metered', table: 'projects', id_field: 'project_id', fields: FIELDS })).status).toBe(201);
    const startedMinute = Math.floor(Date.now() / 60_000) * 60_000;
    await req('POST', '/v2/sinks/metered', { records: [{ value: full('m1') }, { value: full('m2') }, { value: { language: 1 } }] });
    await req('POST', '/v2/sinks/metered', { records: [{ value: full('m3') }] });
    await req('POST', '/v2/sinks/metered', { records: [{ value: {} }, { value: {} }] });
    const from = new Date(startedMinute - 10 * 60_000).toISOString();
    const res = await req('GET', `/v2/sinks/metered/metrics?from=${from}`);
    expect(res.status).toBe(200);
    const buckets = res.body.metrics as { timestamp: string; ingest_rate: number; request_rate: number; error_rate: number }[];
    // The idle minutes before have no bucket; the requests fell in one minute (two if they straddled one).
    expect(buckets.length).toBeGreaterThanOrEqual(1);
    expect(buckets.length).toBeLessThanOrEqual(2);
    for (const b of buckets) expect(Date.parse(b.timestamp)).toBeGreaterThanOrEqual(startedMinute);
    const sum = (k: 'ingest_rate' | 'request_rate' | 'error_rate') => buckets.reduce((s, b) => s + b[k], 0);
    expect({ ingest: sum('ingest_rate'), requests: sum('request_rate'), errors: sum('error_rate') }).toEqual({ ingest: 3, requests: 3, errors: 3 });
    const prom = await (await fetch(`${t.app.url}/metrics`)).text();
    expect(prom).toContain('intake_sink_requests_total{sink="metered"} 3');
    expect(prom).toContain('intake_sink_records_total{sink="metered",outcome="sent"} 3');
    expect(prom).toContain('intake_sink_records_total{sink="metered",outcome="failed"} 3');
  });

  it('answers a retry with the same Idempotency-Key without appending again, and 409 for another body', async () => {
    const post = (body: unknown, key: string) =>
      fetch(`${t.app.url}/v2/sinks/proj`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${'intake_TestAdminToken0000000000000000000000000000'}`, 'idempotency-key': key }, body: JSON.stringify(body) });
    const body = { records: [{ value: full('idem-1') }, { value: { bad: true } }] };
    const ends = async () => {
      const r = await req('GET', '/v2/sinks/proj/metrics');
      return r.body.metrics.reduce((s: number, b: { ingest_rate: number }) => s + b.ingest_rate, 0) as number;
    };
    const first = await post(body, 'key-1');
    expect(first.status).toBe(200);
    const firstBody = await first.json();
    const sentBefore = await ends();
    const again = await post(body, 'key-1');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(firstBody);
    expect(await ends()).toBe(sentBefore);
    const other = await post({ records: [{ value: full('idem-2') }] }, 'key-1');
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: unknown }).error).toMatchObject({ code: 'INTAKE_CONFLICT', field: 'Idempotency-Key' });
    expect((await post(body, 'key-2')).headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses bad requests: 400, 401, 404, 413', async () => {
    expect((await req('POST', '/v2/sinks/proj', { records: 'nope' })).body.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'records' });
    expect((await req('POST', '/v2/sinks/proj', {})).body.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'records', rule: 'is required' });
    const tooMany = await req('POST', '/v2/sinks/proj', { records: Array.from({ length: 10_001 }, () => ({ value: {} })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.field).toBe('records');
    expect((await req('POST', '/v2/sinks/proj', { records: [] }, null)).status).toBe(401);
    expect((await req('POST', '/v2/sinks/proj', { records: [] }, 'intake_not-a-real-token-000000000000000000000')).status).toBe(401);
    const missing = await req('POST', '/v2/sinks/nope', { records: [{ value: {} }] });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'INTAKE_NOT_FOUND', kind: 'sink', id: 'nope' });
    expect((await req('GET', '/v2/sinks/nope/errors')).status).toBe(404);
    expect((await req('GET', '/v2/sinks/nope/metrics')).status).toBe(404);
    expect((await req('GET', '/v2/tables/nope/rows')).status).toBe(404);
    const big = JSON.stringify({ records: [{ value: { project_id: 'big', language: 'x'.repeat(11 * 1024 * 1024) } }] });
    const tooLarge = await req('POST', '/v2/sinks/proj', big);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('INTAKE_PAYLOAD_TOO_LARGE');
    expect((await req('GET', '/v2/tables/projects/rows/big')).status).toBe(404);
    // A sink whose paths collide, or that names no column, is refused at creation.
    expect((await req('POST', '/v2/sinks', { name: 'bad', table: 'projects', id_field: 'project_id', fields: [{ column: 'nope', path: ['a'] }] })).body.error).toMatchObject({ field: 'fields[0].column' });
    expect((await req('POST', '/v2/sinks', { name: 'bad', table: 'projects', id_field: ['a'], fields: [{ column: 'language', path: ['a', 'b'] }] })).body.error).toMatchObject({ field: 'id_field' });
    expect((await req('POST', '/v2/tables', { name: 'two-ids', columns: [{ name: 'a', type: 'id' }, { name: 'b', type: 'id' }] })).status).toBe(400);
    expect((await req('POST', '/v2/tables', { name: 'projects', columns: [{ name: 'a', type: 'id' }] })).status).toBe(409);
    expect((await req('DELETE', '/v2/tables/projects')).status).toBe(409);
  });

  it('refuses names that try to inject SQL, and quotes every name it accepts', async () => {
    const evil = 'x"; drop table y; --';
    await t.db.query(`CREATE TABLE IF NOT EXISTS public.y (n int)`);
    const asTable = await req('POST', '/v2/tables', { name: evil, columns: [{ name: 'id', type: 'id' }] });
    expect(asTable.status).toBe(400);
    expect(asTable.body.error).toMatchObject({ code: 'INTAKE_VALIDATION', field: 'name' });
    const asColumn = await req('POST', '/v2/tables', { name: 'safe', columns: [{ name: 'id', type: 'id' }, { name: evil, type: 'string' }] });
    expect(asColumn.status).toBe(400);
    expect(asColumn.body.error).toMatchObject({ field: 'columns[1].name' });
    expect((await req('POST', '/v2/tables/projects/columns', { name: evil, type: 'string' })).status).toBe(400);
    expect((await req('GET', `/v2/tables/${encodeURIComponent(evil)}/rows`)).status).toBe(400);
    expect((await t.db.query(`SELECT to_regclass('public.y') IS NOT NULL AS present`))[0].present).toBe(true);
    // SQL keywords and dashes are fine names: they are always quoted.
    expect((await req('POST', '/v2/tables', { name: 'select', columns: [{ name: 'from', type: 'id', id_type: 'int' }, { name: 'drop-table', type: 'string' }] })).status).toBe(201);
    expect((await req('POST', '/v2/sinks', { name: 'where', table: 'select', id_field: 'from' })).status).toBe(201);
    const res = await req('POST', '/v2/sinks/where?wait=applied', { records: [{ value: { from: 7, 'drop-table': "'; DROP TABLE y; --" } }] });
    expect(res.body.success_count).toBe(1);
    expect((await req('GET', '/v2/tables/select/rows/7')).body).toEqual({ from: 7, 'drop-table': "'; DROP TABLE y; --" });
    expect((await t.db.query(`SELECT to_regclass('public.y') IS NOT NULL AS present`))[0].present).toBe(true);
  });

  it('narrows tables for a token narrowed to sinks: only the tables it names, also as a new sink\'s table', async () => {
    const token = async (body: Record<string, unknown>) => {
      const r = await req('POST', '/v1/tokens', { name: `t-${Math.random()}`, ...body });
      expect(r.status).toBe(201);
      return r.body.token as string;
    };
    const sinkOnly = await token({ scopes: ['sinks:write'], resources: { sinks: ['proj'] } });
    expect((await req('POST', '/v2/sinks/proj?wait=applied', { records: [{ value: full('narrow-1') }] }, sinkOnly)).body.success_count).toBe(1);
    const refused = await req('GET', '/v2/tables/projects/rows/narrow-1', undefined, sinkOnly);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe("this token may not act on tables 'projects'");
    expect((await req('POST', '/v2/tables/projects/columns', { name: 'sneaky', type: 'string' }, sinkOnly)).status).toBe(403);
    expect((await req('POST', '/v2/tables', { name: 'mine', columns: [{ name: 'id', type: 'id' }] }, sinkOnly)).status).toBe(403);
    expect((await req('DELETE', '/v2/tables/things', undefined, sinkOnly)).status).toBe(403);
    expect((await req('GET', '/v2/tables/things')).status).toBe(200);

    const withTable = await token({ scopes: ['sinks:write'], resources: { sinks: ['proj', 'proj-2'], tables: ['projects'] } });
    expect((await req('GET', '/v2/tables/projects/rows/narrow-1', undefined, withTable)).status).toBe(200);
    expect((await req('GET', '/v2/tables/things/rows', undefined, withTable)).status).toBe(403);
    // A sink writes its table: it may point one only at a table it names.
    const elsewhere = await req('POST', '/v2/sinks', { name: 'proj-2', table: 'things', id_field: 'id' }, withTable);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error.message).toBe("this token may not act on tables 'things'");
    expect((await req('POST', '/v2/sinks', { name: 'proj-2', table: 'projects', id_field: 'project_id', fields: FIELDS }, withTable)).status).toBe(201);
    expect((await req('DELETE', '/v2/sinks/proj-2', undefined, withTable)).status).toBe(204);

    // Tokens not narrowed to sinks reach every table, as before.
    const open = await token({ scopes: ['sinks:read'], resources: { collections: ['docs'] } });
    expect((await req('GET', '/v2/tables/things/rows', undefined, open)).status).toBe(200);
  });

  it("a burst over a sink's own rate limit gets 429 with Retry-After; every accepted record becomes a row, refused ones append nothing", async () => {
    const created = await req('POST', '/v2/sinks', { name: 'proj-limited', table: 'projects', id_field: 'project_id', fields: FIELDS, allow_missing_fields: true, rate_limit: { requests_per_second: 3 } });
    expect(created.status).toBe(201);
    expect(created.body.rate_limit).toEqual({ requests_per_second: 3 });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => req('POST', '/v2/sinks/proj-limited', { records: [{ value: full(`rl-${i}`) }] })));
    const accepted = answers.flatMap((a, i) => (a.status === 200 ? [`rl-${i}`] : []));
    const refused = answers.filter((a) => a.status === 429);
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.length + refused.length).toBe(12);
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused[0].headers.get('ratelimit-limit')).toBe('3');
    expect(refused[0].body.error).toMatchObject({ code: 'INTAKE_RATE_LIMITED', message: "sink 'proj-limited' is over its rate limit" });
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM intake_tables.projects WHERE project_id LIKE 'rl-%'`))[0].n >= accepted.length, 30_000, 'the accepted rows');
    await new Promise((r) => setTimeout(r, 500));
    const ids = (await t.db.query(`SELECT project_id FROM intake_tables.projects WHERE project_id LIKE 'rl-%' ORDER BY project_id`)).map((r: { project_id: string }) => r.project_id);
    expect(ids).toEqual(accepted.sort());
    expect((await req('DELETE', '/v2/sinks/proj-limited')).status).toBe(204);
  });

  it('deletes a sink (its topic too), then its table', async () => {
    expect((await req('DELETE', '/v2/sinks/where')).status).toBe(204);
    expect((await req('GET', '/v2/sinks/where')).status).toBe(404);
    expect((await req('DELETE', '/v2/tables/select')).status).toBe(204);
    expect((await t.db.query(`SELECT to_regclass('intake_tables."select"') IS NULL AS gone`))[0].gone).toBe(true);
    const listed = (await req('GET', '/v2/sinks')).body.sinks.map((s: { id: string }) => s.id);
    expect(listed).toEqual(['auto', 'auto2', 'metered', 'proj', 'proj-loose']);
  });

  // Last: the body limit is registered process-wide (one app per process outside tests).
  it('takes its request limits from the configuration', async () => {
    const small = await startApp(t.infra, undefined, { INTAKE_SINK_RECORDS_PER_REQUEST_MAX: '3', INTAKE_SINK_REQUEST_BYTES_MAX: '2048' });
    try {
      const four = await http(small.url, 'POST', '/v2/sinks/proj', { records: Array.from({ length: 4 }, (_, i) => ({ value: full(`lim-${i}`) })) });
      expect(four.status).toBe(400);
      expect(four.body.error).toMatchObject({ field: 'records', rule: 'must hold at most 3 records, got 4' });
      const big = await http(small.url, 'POST', '/v2/sinks/proj', { records: [{ value: full('lim-big', { owner: { profile: { name: 'x'.repeat(3000) } } }) }] });
      expect(big.status).toBe(413);
      expect((await http(small.url, 'POST', '/v2/sinks/proj', { records: [{ value: full('lim-ok') }] })).body.success_count).toBe(1);
    } finally {
      await small.close();
    }
  });
});

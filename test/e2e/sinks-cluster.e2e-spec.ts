// Sinks across processes: whole Intake nodes as child processes on one broker and one
// Postgres. (1) Exactly once: 50,000 records from 4 clients, the node SIGKILLed while
// its materializer is applying, restarted on the same data dir: every acknowledged
// record is a row, every record in the log was applied exactly once (a row trigger
// counts each write), and the stored offsets equal the log end. (2) Two nodes share a
// sink's partitions: each applies some, together all.
import { ChildProcess, execFile } from 'node:child_process';
import { LogClient } from '../../src/log/log-client';
import { http, withTestApp } from '../support/app';
import { spawnAppNode } from '../support/app-nodes';
import { eventually } from '../support/broker';
import { tempDir } from '../support/temp-dir';

jest.setTimeout(300_000);

describe('sinks across nodes', () => {
  const t = withTestApp({ app: false, db: true });
  const children = new Set<ChildProcess>();
  let log: LogClient;

  beforeAll(async () => {
    log = new LogClient({ brokers: [t.broker.address], clientId: 'sinks-cluster-test' });
    await log.connect();
    t.onTeardown(async () => {
      for (const c of children) c.kill('SIGKILL');
      await log.close();
    });
  });

  const spawnNode = (dataDir: string, nodeId: string) => spawnAppNode(t.broker.address, t.pg.url, dataDir, nodeId, children);

  const storedVsEnd = async (sink: string) => {
    const ends = await log.endOffsets(`intake.sink.${sink}`);
    const stored: { partition: number; next_offset: string }[] = await t.db.query(
      `SELECT partition, next_offset FROM materializer_offsets WHERE materializer = $1 ORDER BY partition`,
      [`sink:${sink}`],
    );
    return {
      ends: Object.fromEntries([...ends].map(([p, o]) => [p, o.toString()])),
      stored: Object.fromEntries(stored.map((r) => [r.partition, r.next_offset])),
      total: [...ends.values()].reduce((s, o) => s + o, 0n),
    };
  };

  /** Records in a sink's log: a batch message (header intake-batch) holds several. */
  const recordsInLog = (sink: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const args = ['-b', t.broker.address, '-X', 'broker.address.family=v4', '-C', '-t', `intake.sink.${sink}`, '-o', 'beginning', '-e', '-q', '-f', 'offset %o %h\n'];
      execFile('kcat', args, { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        resolve(stdout.split('\n').filter((l) => l !== '').reduce((n, headers) => n + Number(/intake-batch=(\d+)/.exec(headers)?.[1] ?? 1), 0));
      });
    });

  it('applies every record exactly once across a SIGKILL of the node and its restart', async () => {
    const dataDir = tempDir('sink-node');
    let node = await spawnNode(dataDir, 'a');
    const req = (method: string, path: string, body?: unknown) => http(node.url, method, path, body);
    expect((await req('POST', '/v2/tables', { name: 'events', columns: [{ name: 'id', type: 'id' }, { name: 'client', type: 'int' }, { name: 'n', type: 'int' }, { name: 'note', type: 'string' }] })).status).toBe(201);
    expect((await req('POST', '/v2/sinks', { name: 'events-in', table: 'events', id_field: 'id', partitions: 4 })).status).toBe(201);
    // Every write to a row, counted by the database itself.
    await t.db.query(`CREATE TABLE public.event_writes (id text NOT NULL)`);
    await t.db.query(`CREATE FUNCTION public.count_event_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.event_writes VALUES (NEW.id); RETURN NEW; END $$`);
    await t.db.query(`CREATE TRIGGER count_writes AFTER INSERT OR UPDATE ON intake_tables.events FOR EACH ROW EXECUTE FUNCTION public.count_event_write()`);

    const CLIENTS = 4;
    const PER_CLIENT = 12_500;
    const BATCH = 500;
    let restarted = false;
    const acked = new Set<string>();
    /** Ids of requests the kill cut off, sent again to the restarted node: their records may be in the log twice. */
    const retried = new Set<string>();
    let killed = false;
    let rowsAtKill = -1;
    const client = async (c: number) => {
      for (let start = 0; start < PER_CLIENT; start += BATCH) {
        const ids = Array.from({ length: BATCH }, (_, i) => `c${c}-${start + i}`);
        const records = ids.map((id, i) => ({ value: { id, client: c, n: start + i, note: 'x'.repeat(40) } }));
        for (;;) {
          try {
            const res = await http(node.url, 'POST', '/v2/sinks/events-in', { records });
            expect(res.status).toBe(200);
            expect(res.body.success_count).toBe(BATCH);
            ids.forEach((id) => acked.add(id));
            break;
          } catch (err) {
            // The node died under this request: its records may or may not be in the log. Send them again once it is back.
            if (!killed) throw err;
            ids.forEach((id) => retried.add(id));
            await eventually(() => restarted, 120_000, 'the restarted node');
          }
        }
      }
    };
    const sending = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    // Kill once the materializer has applied some rows, while it still has more to apply.
    await eventually(async () => (await t.db.query(`SELECT count(*)::int AS n FROM public.event_writes`))[0].n >= 8_000, 120_000, 'some rows applied');
    killed = true;
    await node.stop('SIGKILL');
    rowsAtKill = (await t.db.query(`SELECT count(*)::int AS n FROM intake_tables.events`))[0].n;
    node = await spawnNode(dataDir, 'a');
    restarted = true;
    await sending;

    const total = CLIENTS * PER_CLIENT;
    expect(rowsAtKill).toBeLessThan(total);
    let state = await storedVsEnd('events-in');
    await eventually(async () => {
      state = await storedVsEnd('events-in');
      return JSON.stringify(state.stored) === JSON.stringify(state.ends);
    }, 120_000, 'the stored offsets to reach the log end');
    expect(state.stored).toEqual(state.ends);
    const rows: { id: string }[] = await t.db.query(`SELECT id FROM intake_tables.events`);
    const rowIds = new Set(rows.map((r) => r.id));
    expect(acked.size).toBe(total);
    expect(rows.length).toBe(total);
    expect([...acked].filter((id) => !rowIds.has(id))).toEqual([]);
    // Each record in the log is written once. Ids sent once were written exactly once; a retried
    // request's records are in the log once or twice, so their ids were written once or twice.
    const writes: { id: string; n: number }[] = await t.db.query(`SELECT id, count(*)::int AS n FROM public.event_writes GROUP BY id`);
    const once = writes.filter((w) => !retried.has(w.id));
    expect(once.length).toBe(total - retried.size);
    expect(once.filter((w) => w.n !== 1)).toEqual([]);
    expect(writes.filter((w) => retried.has(w.id) && (w.n < 1 || w.n > 2))).toEqual([]);
    const logged = await recordsInLog('events-in');
    const totalWrites = writes.reduce((s, w) => s + w.n, 0);
    expect(logged - total).toBeGreaterThanOrEqual(0);
    expect(logged - total).toBeLessThanOrEqual(retried.size);
    // A record written twice in the log is one write when both copies meet in one batch (latest wins), else two.
    expect(totalWrites).toBeLessThanOrEqual(logged);
    expect(totalWrites).toBeGreaterThanOrEqual(total);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM ingest_errors WHERE source_id = 'events-in'`))[0].n).toBe(0);
    console.log(
      `exactly once: ${acked.size} acknowledged, ${rowsAtKill} rows when killed, ${retried.size} records re-sent after the kill, ` +
        `${logged} records in ${state.total} log messages, ${totalWrites} row writes, ids sent once written once`,
    );
    await node.stop();
  });

  it('two nodes share a sink\'s partitions, and the rows are complete', async () => {
    const [a, b] = await Promise.all([spawnNode(tempDir('sink-a'), 'a'), spawnNode(tempDir('sink-b'), 'b')]);
    expect((await http(a.url, 'POST', '/v2/tables', { name: 'shared', columns: [{ name: 'id', type: 'id', id_type: 'int' }, { name: 'v', type: 'int' }] })).status).toBe(201);
    expect((await http(a.url, 'POST', '/v2/sinks', { name: 'shared-in', table: 'shared', id_field: 'id', partitions: 4 })).status).toBe(201);
    // B learns of the sink from Postgres (its sync, or the first request that names it) and joins the group.
    const applied = async (url: string) => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const m = /intake_sink_rows_applied_total\{sink="shared-in"\} (\d+)/.exec(text);
      return m ? Number(m[1]) : 0;
    };
    const N = 8_000;
    let sent = 0;
    await eventually(async () => {
      // Keep writing (through both nodes) until both have applied rows: the group needs a rebalance to include B.
      const records = Array.from({ length: 200 }, (_, i) => ({ value: { id: sent + i, v: sent + i } }));
      const res = await http(sent % 400 === 0 ? a.url : b.url, 'POST', '/v2/sinks/shared-in', { records });
      expect(res.body.success_count).toBe(200);
      sent += 200;
      return (await applied(a.url)) > 0 && (await applied(b.url)) > 0 && sent >= N;
    }, 120_000, 'both nodes to apply rows');
    // A read-your-writes call through either node sees its rows, whichever node holds the partitions.
    const last = await http(b.url, 'POST', '/v2/sinks/shared-in?wait=applied', { records: Array.from({ length: 50 }, (_, i) => ({ value: { id: 1_000_000 + i, v: i } })) });
    expect(last.body.success_count).toBe(50);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM intake_tables.shared WHERE id >= 1000000`))[0].n).toBe(50);
    await eventually(async () => {
      const s = await storedVsEnd('shared-in');
      return JSON.stringify(s.stored) === JSON.stringify(s.ends);
    }, 60_000, 'all applied');
    expect(await t.db.query(`SELECT reason, message FROM ingest_errors WHERE source_id = 'shared-in' LIMIT 3`)).toEqual([]);
    const [ra, rb] = [await applied(a.url), await applied(b.url)];
    expect(ra).toBeGreaterThan(0);
    expect(rb).toBeGreaterThan(0);
    expect(ra + rb).toBe(sent + 50);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM intake_tables.shared`))[0].n).toBe(sent + 50);
    console.log(`two nodes: ${sent + 50} rows, node a applied ${ra}, node b applied ${rb}`);
    await Promise.all([a.stop(), b.stop()]);
  });
});

// A sink's topic holds one-record messages and batch messages (a request's records for
// one partition in one message, header intake-batch). What a user must still see: each
// record of a batch that cannot become a row is its own error (its id, its payload, the
// field and the rule) and replays on its own; a Kafka producer may write either kind;
// set columns survive the unnest write path; /health shows how far each sink is behind.
import { execFile } from 'node:child_process';
import { http, withTestApp } from '../support/app';
import { eventually, kafkaClient } from '../support/broker';

jest.setTimeout(180_000);

type ErrorView = { id: string; offset: string; code: string; message: string; key: string | null; part: string | null; payload: string; headers: Record<string, string> | null; resolved_at: string | null };

/** Every message of a topic as kcat -J prints it (async: the broker runs in this process). */
function readTopic(broker: string, topic: string): Promise<{ offset: number; key: string; headers?: string[]; payload: string }[]> {
  return new Promise((resolve, reject) => {
    execFile('kcat', ['-b', broker, '-X', 'broker.address.family=v4', '-C', '-t', topic, '-o', 'beginning', '-e', '-J', '-q'], { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l))),
    );
  });
}

describe('sink batch messages', () => {
  const t = withTestApp({ db: true });
  const req = (method: string, path: string, body?: unknown) => http(t.app.url, method, path, body);
  const errorsOf = async (sink: string): Promise<ErrorView[]> => (await req('GET', `/v2/sinks/${sink}/errors`)).body.errors;

  beforeAll(async () => {
    const columns = [{ name: 'id', type: 'id' }, { name: 'qty', type: 'int' }, { name: 'tags', type: 'stringset' }];
    expect((await req('POST', '/v2/tables', { name: 'gadgets', columns })).status).toBe(201);
    for (const name of ['gadgets-in', 'gadgets-direct']) expect((await req('POST', '/v2/sinks', { name, table: 'gadgets', id_field: 'id', partitions: 1, allow_missing_fields: true })).status).toBe(201);
  });

  it('writes a request as one batch message, files each record Postgres refuses on its own, and replays them', async () => {
    await t.db.query(`ALTER TABLE intake_tables.gadgets ADD CONSTRAINT qty_small CHECK (qty < 100)`);
    const tags = ['a"b', 'c\\d', 'e,f', '{g}', 'NULL', ''];
    const values = [{ id: 'g1', qty: 1, tags }, { id: 'g2', qty: 500 }, { id: 'g3', qty: 2 }, { id: 'g4', qty: 700 }];
    const res = await req('POST', '/v2/sinks/gadgets-in?wait=applied', { records: values.map((value) => ({ value })) });
    // Valid over HTTP: the CHECK constraint is Postgres's, met only when the rows are written.
    expect(res.body).toMatchObject({ success_count: 4, error_count: 0 });
    const messages = await readTopic(t.broker.address, 'intake.sink.gadgets-in');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ offset: 0, key: 'g1', headers: ['intake-batch', '4'] });
    expect(JSON.parse(messages[0].payload)).toEqual({ records: values.map((value) => ({ value })) });

    expect((await req('GET', '/v2/tables/gadgets/rows/g1')).body).toEqual({ id: 'g1', qty: 1, tags });
    expect((await req('GET', '/v2/tables/gadgets/rows/g3')).body).toEqual({ id: 'g3', qty: 2, tags: null });
    expect((await req('GET', '/v2/tables/gadgets/rows/g2')).status).toBe(404);
    const errors = await errorsOf('gadgets-in');
    expect(errors.map((e) => [e.key, e.offset, e.part, e.code, e.payload, e.headers])).toEqual([
      ['g4', '0', 'records[3]', 'INVALID_RECORD', JSON.stringify(values[3]), null],
      ['g2', '0', 'records[1]', 'INVALID_RECORD', JSON.stringify(values[1]), null],
    ]);
    for (const e of errors) expect(e.message).toMatch(/^Postgres refused the row: .*qty_small/);

    await t.db.query(`ALTER TABLE intake_tables.gadgets DROP CONSTRAINT qty_small`);
    const replay = await req('POST', '/v2/sinks/gadgets-in/errors/replay', { since: '2000-01-01T00:00:00Z' });
    expect(replay.body).toMatchObject({ replayed: 2, applied: true, unresolved: [] });
    expect([...replay.body.resolved].sort()).toEqual(errors.map((e) => e.id).sort());
    expect((await req('GET', '/v2/tables/gadgets/rows/g2')).body.qty).toBe(500);
    expect((await req('GET', '/v2/tables/gadgets/rows/g4')).body.qty).toBe(700);
    // Replay re-appended each record as a one-record message of its own.
    const after = await readTopic(t.broker.address, 'intake.sink.gadgets-in');
    expect(after.slice(1).map((m) => [m.key, JSON.parse(m.payload)])).toEqual([['g2', values[1]], ['g4', values[3]]]);
  });

  it('applies batch and one-record messages a Kafka producer writes, filing a batch\'s bad records one by one with field and rule', async () => {
    const producer = kafkaClient(t.broker).producer();
    await producer.connect();
    try {
      const batch = { records: [{ value: { id: 'd1', qty: 5 } }, { value: { id: 'd2', qty: 'lots' } }, { nope: 1 }, { value: { id: 'd4', qty: 6 } }] };
      await producer.send({
        topic: 'intake.sink.gadgets-direct',
        messages: [
          { key: 'd1', value: JSON.stringify(batch), headers: { 'intake-batch': '4' } },
          { key: 'd5', value: JSON.stringify({ records: [{ value: { id: 'd5', qty: 1 } }] }), headers: { 'intake-batch': '2' } },
          { key: 'd3', value: JSON.stringify({ id: 'd3', qty: 7 }) },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    await eventually(async () => (await errorsOf('gadgets-direct')).length === 3, 30_000, 'three errors');
    // In log order (records of one message by id; a record without one first).
    const errors = (await errorsOf('gadgets-direct')).sort((a, b) => Number(a.offset) - Number(b.offset) || (a.key ?? '').localeCompare(b.key ?? ''));
    expect(errors.map((e) => [e.offset, e.key, e.message, e.payload])).toEqual([
      ['0', null, 'records[2]: must be an object {"value": {…}}', '{"nope":1}'],
      ['0', 'd2', 'value.qty: must be an integer in [-9007199254740991, 9007199254740991] or null, got the string "lots"', '{"id":"d2","qty":"lots"}'],
      // A batch whose header and value disagree is not trusted record by record: it is filed whole.
      ['1', 'd5', "intake-batch: header says '2' records, value.records holds 1", '{"records":[{"value":{"id":"d5","qty":1}}]}'],
    ]);
    expect(errors.map((e) => e.part)).toEqual(['records[2]', 'records[1]', null]);
    expect(errors[2].headers).toEqual({ 'intake-batch': '2' });
    for (const id of ['d1', 'd4', 'd3']) expect((await req('GET', `/v2/tables/gadgets/rows/${id}`)).status).toBe(200);
  });

  it('reports each sink\'s lag in /health: log messages not yet rows', async () => {
    expect((await req('POST', '/v2/tables', { name: 'slow', columns: [{ name: 'id', type: 'id' }] })).status).toBe(201);
    expect((await req('POST', '/v2/sinks', { name: 'slow-in', table: 'slow', id_field: 'id', partitions: 2 })).status).toBe(201);
    const lagOf = async () => (await req('GET', '/health')).body.details.sink_lag;
    await eventually(async () => (await lagOf()).sinks['slow-in'] === '0', 20_000, 'the new sink in /health');
    // Hold the table so the materializer cannot write: the records stay in the log.
    const holder = t.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`LOCK TABLE intake_tables.slow IN ACCESS EXCLUSIVE MODE`);
      for (const id of ['s1', 's2', 's3']) expect((await req('POST', '/v2/sinks/slow-in', { records: [{ value: { id } }] })).body.success_count).toBe(1);
      const lag = await lagOf();
      expect(lag).toMatchObject({ status: 'up' });
      expect(lag.sinks['slow-in']).toBe('3');
      expect(BigInt(lag.messages)).toBeGreaterThanOrEqual(3n);
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await eventually(async () => (await lagOf()).sinks['slow-in'] === '0', 30_000, 'the lag to drain');
    expect((await req('GET', '/v2/tables/slow/rows')).body.rows).toHaveLength(3);
  });
});

// Sink building blocks without I/O: identifier quoting, the per-sink record schema
// built from nested paths, mapping rules, the per-minute metrics buckets, and the
// topic's message format (one record or a batch).
import { quoteIdentifier, sinkTableIdentifier } from '../../src/database/sql-identifier';
import { RecordValidator } from '../../src/sinks/record-validator';
import { isMapping, resolveMapping, TableDefinition } from '../../src/sinks/sink-definition';
import { columnDefProblem } from '../../src/sinks/column-types';
import { SinkMetricsAggregator } from '../../src/sinks/sink-metrics';
import { MetricsService } from '../../src/observability/metrics';
import { partitionForKey } from '../../src/log/partitioner';
import { BATCH_HEADER, BATCH_VALUE_CHARS_MAX, parseSinkMessage, toAppends } from '../../src/sinks/sink-topic-format';

const table: TableDefinition = {
  name: 't',
  description: null,
  version: 1,
  createdAt: new Date(0),
  columns: [
    { name: 'id', type: 'id', id_type: 'int' },
    { name: 'city', type: 'string', max_length: 5, required: true },
    { name: 'score', type: 'decimal', scale: 1 },
    { name: 'at', type: 'timestamp', unit: 'ms' },
  ],
};

describe('quoteIdentifier', () => {
  it('quotes names that match the name rule and refuses anything else', () => {
    expect(quoteIdentifier('select')).toBe('"select"');
    expect(sinkTableIdentifier('my-table')).toBe('"intake_tables"."my-table"');
    for (const bad of ['x"; drop table y; --', 'A', '', 'a b', 'a'.repeat(64), 'é']) expect(() => quoteIdentifier(bad)).toThrow(/refusing to quote/);
  });
});

describe('sink record validation', () => {
  const mapping = resolveMapping({ idPath: ['key', 'id'], fields: [{ column: 'city', path: ['addr', 'city'] }, { column: 'score', path: ['score'] }, { column: 'at', path: ['at'] }] }, table);

  it('walks nested paths and yields the row', () => {
    if (!isMapping(mapping)) throw new Error(JSON.stringify(mapping));
    const v = new RecordValidator(mapping, false);
    expect(v.check({ key: { id: 7 }, addr: { city: 'Oslo' }, score: 1.5, at: 0, extra: true })).toEqual({ ok: true, row: { key: '7', id: 7, values: ['Oslo', 1.5, '1970-01-01T00:00:00.000Z'] } });
    expect(v.check({ key: { id: -1 }, addr: { city: 'Oslo' }, score: 1, at: 0 })).toMatchObject({ ok: false, message: 'value.key.id: must be an integer in [0, 9007199254740991], got -1' });
    expect(v.check({ key: { id: 1 }, addr: { city: 'Bergen' }, score: 1, at: 0 })).toMatchObject({ ok: false, field: 'value.addr.city' });
    expect(v.check({ key: { id: 1 }, addr: { city: 'Oslo' }, at: 0 })).toMatchObject({ ok: false, message: 'value.score: is required' });
    expect(v.check({ key: { id: 1 }, addr: { city: 'Oslo' }, score: null, at: 'yesterday' })).toMatchObject({ ok: false, field: 'value.at' });
    expect(v.check([1])).toMatchObject({ ok: false, message: 'value: is required and must be a JSON object' });
    // allow_missing_fields: an optional field may be absent; a required column may not.
    const loose = new RecordValidator(mapping, true);
    expect(loose.check({ key: { id: 1 }, addr: { city: 'Oslo' } })).toMatchObject({ ok: true, row: { values: ['Oslo', null, null] } });
    expect(loose.check({ key: { id: 1 } })).toMatchObject({ ok: false, message: 'value.addr: is required' });
  });

  it('refuses mappings that cannot work', () => {
    expect(resolveMapping({ idPath: ['id'], fields: [{ column: 'nope', path: ['a'] }] }, table)).toEqual({ field: 'fields[0].column', rule: 'names no column of table t' });
    expect(resolveMapping({ idPath: ['a'], fields: [{ column: 'city', path: ['a', 'b'] }] }, table)).toMatchObject({ field: 'id_field' });
    expect(resolveMapping({ idPath: ['x'], fields: [{ column: 'id', path: ['y'] }] }, table)).toMatchObject({ field: 'fields[0].column' });
    expect(columnDefProblem({ name: 'c', type: 'string', scale: 2 })).toEqual({ field: 'scale', rule: 'applies only to columns of type decimal' });
    expect(columnDefProblem({ name: 'c', type: 'int', min: 5, max: 1 })).toMatchObject({ field: 'min' });
  });

  it('maps columns by name when a sink has no fields, refusing keys that are no column', () => {
    const m = resolveMapping({ idPath: ['id'], fields: null }, table);
    if (!isMapping(m)) throw new Error('no mapping');
    const v = new RecordValidator(m, true);
    expect(v.check({ id: 1, city: 'Oslo', color: 'red' })).toEqual({ ok: false, field: 'value.color', message: 'value.color: is not a column of the table (this sink maps columns by name)' });
    expect(v.check({ id: 1, city: 'Oslo' })).toMatchObject({ ok: true });
  });
});

describe('SinkMetricsAggregator', () => {
  it('merges requests into per-minute buckets and writes them in one statement per flush', async () => {
    const statements: { sql: string; params: unknown[] }[] = [];
    const fakeDb = { isInitialized: true, query: async (sql: string, params: unknown[]) => (statements.push({ sql, params }), []) };
    let now = Date.parse('2026-12-01T10:00:05Z');
    const agg = new SinkMetricsAggregator(fakeDb as never, new MetricsService(), () => now);
    agg.recordRequest('s', 3, 1);
    agg.recordRequest('s', 2, 0);
    now = Date.parse('2026-12-01T10:02:30Z'); // two minutes later; 10:01 stays without a bucket
    agg.recordRequest('s', 0, 4);
    await agg.flush();
    expect(statements).toHaveLength(1);
    expect(statements[0].params).toEqual(['s', '2026-12-01T10:00:00.000Z', 5, 2, 1, 's', '2026-12-01T10:02:00.000Z', 0, 1, 4]);
    await agg.flush();
    expect(statements).toHaveLength(1); // nothing pending, nothing written
    await agg.stop();
  });
});

describe('sink topic format', () => {
  const topic = 'intake.sink.s';
  const record = (id: string, pad = 0) => ({ key: id, json: JSON.stringify({ id, pad: 'x'.repeat(pad) }) });
  const consumed = (value: string | null, headers: Record<string, string> = {}) => ({ partition: 0, offset: 0n, key: null, value: value === null ? null : Buffer.from(value), headers, timestampMs: 0 });

  it('puts a request\'s records for one partition in one batch message, in order, and a lone record in a plain one', () => {
    const records = Array.from({ length: 40 }, (_, i) => record(`id-${i}`));
    const appends = toAppends(topic, 4, records);
    expect(appends).toHaveLength(4);
    for (const a of appends) {
      const values = JSON.parse(a.value!.toString()).records.map((r: { value: { id: string } }) => r.value.id);
      expect(a.headers).toEqual({ [BATCH_HEADER]: String(values.length) });
      expect(a.key).toBe(values[0]);
      for (const id of values) expect(partitionForKey(topic, id, 4)).toBe(a.partition);
      expect(values).toEqual(records.map((r) => r.key).filter((id) => values.includes(id))); // request order kept
    }
    const [lone] = toAppends(topic, 4, [record('solo')]);
    expect(lone).toEqual({ key: 'solo', value: Buffer.from(record('solo').json), partition: partitionForKey(topic, 'solo', 4) });
  });

  it('splits a partition\'s records into messages under the size bound', () => {
    const big = Array.from({ length: 5 }, (_, i) => record(`b${i}`, BATCH_VALUE_CHARS_MAX / 3));
    const appends = toAppends(topic, 1, big);
    expect(appends.map((a) => (a.headers ? Number(a.headers[BATCH_HEADER]) : 1))).toEqual([2, 2, 1]);
    for (const a of appends) expect(a.value!.length).toBeLessThanOrEqual(BATCH_VALUE_CHARS_MAX);
  });

  it('parses both kinds and refuses a batch whose header and value disagree', () => {
    expect(parseSinkMessage(consumed('{"id":1}'))).toEqual({ values: [{ id: 1 }], batch: false });
    expect(parseSinkMessage(consumed('{"records":[{"value":{"id":1}},{"nope":2}]}', { [BATCH_HEADER]: '2' }))).toEqual({ values: [{ value: { id: 1 } }, { nope: 2 }], batch: true });
    expect(parseSinkMessage(consumed('{"records":[]}', { [BATCH_HEADER]: '1' }))).toEqual({ reason: 'INVALID_RECORD', message: "intake-batch: header says '1' records, value.records holds 0" });
    expect(parseSinkMessage(consumed('[1]', { [BATCH_HEADER]: '1' }))).toMatchObject({ reason: 'INVALID_RECORD' });
    expect(parseSinkMessage(consumed('nope'))).toMatchObject({ reason: 'MALFORMED_JSON' });
    expect(parseSinkMessage(consumed(null))).toMatchObject({ reason: 'INVALID_RECORD' });
  });
});

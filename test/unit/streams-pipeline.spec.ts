// The pure parts of streams: seed 003's event checks, ISO 8601, the processors,
// sift conditions with the unsafe operators refused, routes, and the record format.
import { conditionProblem } from '../../src/streams/conditions';
import { CompiledPipeline } from '../../src/streams/pipeline';
import { fnv1a } from '../../src/streams/processors';
import { definitionProblem, StreamDefinition } from '../../src/streams/stream-definition';
import { eventProblem, eventsOfRecord, isIso8601, parseEventsBody, STREAM_BODY_BYTES_MAX } from '../../src/streams/stream-events';

const pos = (index = 0) => ({ partition: 0, offset: 0n, index });
const def = (over: Partial<StreamDefinition>): StreamDefinition => ({ pipeline: [], routes: [], destinations: [{ name: 'f', type: 'file' }], ...over });

describe('seed 003 events', () => {
  it.each(['2025-02-12T14:32:15Z', '2025-02-12T14:32:15.123+01:00', '2025-02-12T14:32', '2024-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2025-02-12t14:32:15z'])('accepts %s as ISO 8601', (s) => {
    expect(isIso8601(s)).toBe(true);
  });
  it.each(['2025-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2025-04-31T00:00:00Z', '2025-13-01T00:00:00Z', '12/02/2025', '2025-02-12', '2025-02-12T25:00:00Z', 'yesterday', ''])('refuses %s', (s) => {
    expect(isIso8601(s)).toBe(false);
  });

  it('names the rule in the seed words', () => {
    expect(eventProblem({ source: 'a', event: {}, timestamp: 5 })).toBe("The 'timestamp' field must be a valid ISO 8601 string.");
    expect(eventProblem({ event: {} })).toBe("The 'source' field is required.");
    expect(eventProblem({ source: 'a' })).toBe("The 'event' field is required.");
    expect(eventProblem({ source: 'a', event: [] })).toMatch(/'event' field must be a JSON object/);
    expect(eventProblem({ source: 'a', event: {}, metadata: 'x' })).toMatch(/'metadata'/);
    expect(eventProblem({ source: 'a', event: {} })).toBeNull();
  });

  it('counts the 1 MB limit in bytes of the whole body', () => {
    const body = JSON.stringify({ source: 'a', event: { pad: 'é'.repeat(STREAM_BODY_BYTES_MAX / 2) } });
    expect(() => parseEventsBody(body, 'json')).toThrow(/exceeds the maximum size of 1 MB/);
  });

  it('splits a log record into its events; a bad line fails alone', () => {
    const lines = [JSON.stringify({ source: 'a', event: { n: 1 } }), '{nope', JSON.stringify({ source: 'b' })].join('\n');
    const events = eventsOfRecord(Buffer.from(lines));
    expect(events).toHaveLength(3);
    expect('value' in events[0]).toBe(true);
    expect('error' in events[1] && events[1].error).toMatch(/not valid JSON/);
    expect('error' in events[2] && events[2].error).toBe("The 'event' field is required.");
    const pretty = eventsOfRecord(Buffer.from(JSON.stringify({ source: 'a', event: { n: 1 } }, null, 2)));
    expect(pretty).toHaveLength(1);
  });
});

describe('conditions', () => {
  it('refuses $where and unknown operators, and bad regexes, naming the key', () => {
    expect(conditionProblem({ $where: 'this.a' })).toMatch(/'\$where' is not a supported operator/);
    expect(conditionProblem({ a: { $function: {} } })).toMatch(/\$function/);
    expect(conditionProblem({ a: { $regex: '(' } })).toMatch(/not a valid regular expression/);
    expect(conditionProblem({ '__proto__.x': 1 })).toMatch(/not an allowed field name/);
    expect(conditionProblem({ $or: [{ a: 1 }, { 'b.c': { $gt: 2 } }] })).toBeNull();
  });

  it('checks a definition: a route naming a missing destination, set without value or from, a regex parse without a named group', () => {
    expect(definitionProblem(def({ routes: [{ to: ['x'] }] }))).toEqual({ field: 'routes[0].to[0]', rule: expect.stringMatching(/names no destination/) });
    expect(definitionProblem(def({ pipeline: [{ type: 'set', field: 'a' }] }))).toEqual({ field: 'pipeline[0]', rule: 'must carry exactly one of value and from' });
    expect(definitionProblem(def({ pipeline: [{ type: 'parse', field: 'a', format: 'regex', pattern: '(\\d+)' }] }))?.field).toBe('pipeline[0].pattern');
    expect(definitionProblem(def({ destinations: [{ name: 'f', type: 'file' }, { name: 'f', type: 'file' }] }))?.field).toBe('destinations[1].name');
  });
});

describe('the pipeline', () => {
  it('masks card numbers that pass Luhn only, and emails by salted hash (equal inputs, equal hashes)', () => {
    const p = new CompiledPipeline(def({ pipeline: [{ type: 'mask', pattern: 'card_number', with: 'mask' }, { type: 'mask', pattern: 'email', with: 'hash', salt: 'k' }] }), 1);
    const r = p.run({ source: 'a', event: { a: 'card 4111 1111 1111 1111', b: 'order 1234 5678 9012 3456', c: ['x@y.io', 'x@y.io'] } }, pos());
    expect(r.kind).toBe('routed');
    const ev = (r as unknown as { event: { event: { a: string; b: string; c: string[] } } }).event.event;
    expect(ev.a).toBe('card ****');
    expect(ev.b).toBe('order 1234 5678 9012 3456');
    expect(ev.c[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(ev.c[0]).toBe(ev.c[1]);
  });

  it('samples without a key by log position, so every destination decides alike', () => {
    const p = new CompiledPipeline(def({ pipeline: [{ type: 'sample', rate: 10 }] }), 1);
    const kept = Array.from({ length: 10_000 }, (_, i) => p.run({ source: 'a', event: {} }, { partition: 1, offset: BigInt(i), index: 0 }).kind === 'routed').filter(Boolean).length;
    expect(kept).toBeGreaterThan(800);
    expect(kept).toBeLessThan(1200);
    const again = new CompiledPipeline(def({ pipeline: [{ type: 'sample', rate: 10 }] }), 2);
    for (let i = 0; i < 100; i++) {
      expect(again.run({ source: 'a', event: {} }, { partition: 1, offset: BigInt(i), index: 0 }).kind).toBe(p.run({ source: 'a', event: {} }, { partition: 1, offset: BigInt(i), index: 0 }).kind);
    }
    expect(fnv1a('abc')).toBe(0x1a47e90b);
  });

  it('routes in order, stops at a final rule, and sends the rest to _unmatched', () => {
    const p = new CompiledPipeline(
      def({
        routes: [
          { when: { level: 'error' }, to: ['a'], final: true },
          { when: { level: { $in: ['error', 'warn'] } }, to: ['b'] },
          { when: { n: { $gt: 5 } }, to: ['c'] },
        ],
        destinations: ['a', 'b', 'c', '_unmatched'].map((name) => ({ name, type: 'file' as const })),
      }),
      1,
    );
    const to = (e: Record<string, unknown>) => [...((p.run({ source: 's', event: {}, ...e }, pos()) as { destinations: Set<string> }).destinations ?? [])].sort();
    expect(to({ level: 'error', n: 9 })).toEqual(['a']);
    expect(to({ level: 'warn', n: 9 })).toEqual(['b', 'c']);
    expect(to({ level: 'info', n: 1 })).toEqual(['_unmatched']);
  });

  it('reports a failing processor with its index and rule instead of dropping the event', () => {
    const p = new CompiledPipeline(def({ pipeline: [{ type: 'rename', from: 'a', to: 'b' }, { type: 'parse', field: 'b', format: 'json' }] }), 1);
    expect(p.run({ source: 's', event: {}, a: '{bad' }, pos())).toEqual({ kind: 'failed', message: expect.stringMatching(/^pipeline\[1\] \(parse\): b is not valid JSON/) });
  });
});

// The pure rules of upsertion tasks: the request digest behind task_id idempotency,
// the one-id-per-task rule, where an item's text comes from, batch cutting, the
// command record format, the status table, and list parameters.
import { ValidationError, Errors } from '../../src/common/errors';
import { listWindow } from '../../src/tasks/dto/task-requests';
import { decodeTaskCommand, taskCommandRecord } from '../../src/tasks/task-command';
import { TextTemplate, batchRanges, canonicalJson, firstDuplicateObjectId, requestDigest } from '../../src/tasks/task-items';
import { CANCELABLE, RESTARTABLE, TASK_TRANSITIONS } from '../../src/tasks/task-states';

describe('task request digest', () => {
  it('is the same for the same items whatever the key order, and differs for other items or the other collection', () => {
    const a = [{ object_id: 'x', payload: { text: 'hi', n: 1, nested: { b: 2, a: 1 } } }];
    const b = [{ payload: { nested: { a: 1, b: 2 }, n: 1, text: 'hi' }, object_id: 'x' }];
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(requestDigest('default', a).equals(requestDigest('default', b))).toBe(true);
    expect(requestDigest('default', a).equals(requestDigest('categories', a))).toBe(false);
    expect(requestDigest('default', a).equals(requestDigest('default', [{ object_id: 'x', payload: { text: 'hi', n: 2, nested: { a: 1, b: 2 } } }]))).toBe(false);
    // Item order is part of the task.
    const two = [{ object_id: 'a' }, { object_id: 'b' }];
    expect(requestDigest('default', two).equals(requestDigest('default', [...two].reverse()))).toBe(false);
  });

  it('treats an absent key and an undefined one alike, and keeps null apart from absent', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: 1, b: null })).not.toBe(canonicalJson({ a: 1 }));
  });
});

describe('object_id uniqueness', () => {
  it('finds the first repeat', () => {
    expect(firstDuplicateObjectId([{ object_id: 'a' }, { object_id: 'b' }])).toBe(-1);
    expect(firstDuplicateObjectId([{ object_id: 'a' }, { object_id: 'b' }, { object_id: 'b' }, { object_id: 'a' }])).toBe(2);
  });
});

describe('item text', () => {
  it('reads payload.text by default and says what is missing', () => {
    const t = new TextTemplate(null);
    expect(t.textOf({ text: 'deep learning paper' })).toEqual({ text: 'deep learning paper' });
    expect(t.textOf(undefined)).toEqual({ reason: 'payload: is missing; the text is read from payload.text' });
    expect(t.textOf({ title: 'x' })).toEqual({ reason: 'payload.text: is missing' });
    expect(t.textOf({ text: '  ' })).toEqual({ reason: 'payload.text: is empty' });
    expect(t.textOf({ text: ['a'] })).toEqual({ reason: 'payload.text: must be a string, got an array' });
    expect(t.textOf({ text: 42 })).toEqual({ text: '42' });
  });

  it('fills a template from top-level payload fields', () => {
    const t = new TextTemplate('{title}: {body} ({year})');
    expect(t.fields).toEqual(['title', 'body', 'year']);
    expect(t.textOf({ title: 'Attention', body: 'is all you need', year: 2017 })).toEqual({ text: 'Attention: is all you need (2017)' });
    expect(t.textOf({ title: 'Attention', year: 2017 })).toEqual({ reason: 'payload.body: is missing' });
    expect(new TextTemplate('{a}{b}').textOf({ a: ' ', b: '' })).toEqual({ reason: "the text template '{a}{b}' gives an empty text" });
    expect(() => new TextTemplate('no fields')).toThrow(/names no \{field\}/);
  });
});

describe('batches', () => {
  it('cuts [from, total) into batches of at most size', () => {
    expect(batchRanges(10, 0, 4)).toEqual([[0, 4], [4, 8], [8, 10]]);
    expect(batchRanges(10, 8, 4)).toEqual([[8, 10]]);
    expect(batchRanges(10, 10, 4)).toEqual([]);
    expect(() => batchRanges(10, 0, 0)).toThrow(RangeError);
  });
});

describe('task commands', () => {
  it('round-trips through the record format, keyed by task id into a stable partition', () => {
    const r = taskCommandRecord({ taskId: 'task-123', attempt: 2 }, 4);
    expect(r.key).toBe('task-123');
    expect(r.headers).toEqual({ 'intake-op': 'run' });
    expect(r.partition).toBe(taskCommandRecord({ taskId: 'task-123', attempt: 1 }, 4).partition);
    expect(decodeTaskCommand({ value: r.value, headers: r.headers ?? {} })).toEqual({ taskId: 'task-123', attempt: 2 });
  });

  it('returns a reason, never throws, for what a direct producer got wrong', () => {
    const decode = (value: string | null, headers: Record<string, string> = {}) => decodeTaskCommand({ value: value === null ? null : Buffer.from(value), headers });
    expect(decode(null)).toMatchObject({ reason: 'INVALID_RECORD' });
    expect(decode('{')).toMatchObject({ reason: 'MALFORMED_JSON' });
    expect(decode('{"task_id":"a"}')).toMatchObject({ reason: 'INVALID_RECORD', message: 'value.attempt: must be an integer ≥ 1' });
    expect(decode('{"task_id":"","attempt":1}')).toMatchObject({ reason: 'INVALID_RECORD', message: expect.stringMatching(/^value.task_id/) });
    expect(decode('{"task_id":"a\\u0001","attempt":1}')).toMatchObject({ reason: 'INVALID_RECORD' });
    expect(decode('{"task_id":"a","attempt":1}', { 'intake-op': 'delete' })).toMatchObject({ reason: 'UNKNOWN_OP' });
    expect(decode('null')).toMatchObject({ reason: 'INVALID_RECORD' });
  });
});

describe('task states', () => {
  it('allows exactly the seed\'s moves', () => {
    const moves = TASK_TRANSITIONS.states.flatMap((from) => TASK_TRANSITIONS.states.filter((to) => TASK_TRANSITIONS.can(from, to)).map((to) => `${from}→${to}`));
    expect(moves.sort()).toEqual(['canceled→pending', 'failed→pending', 'pending→canceled', 'pending→processing', 'processing→canceled', 'processing→done', 'processing→failed'].sort());
    expect(RESTARTABLE).toEqual(['failed', 'canceled']);
    expect(CANCELABLE).toEqual(['pending', 'processing']);
  });
});

describe('list window', () => {
  it('defaults to offset 0 and limit 100, and refuses a limit over 1,000 naming it', () => {
    expect(listWindow({}, Errors.validation)).toEqual({ offset: 0, limit: 100 });
    expect(listWindow({ offset: '20', limit: '1000' }, Errors.validation)).toEqual({ offset: 20, limit: 1000 });
    expect(() => listWindow({ limit: '1001' }, Errors.validation)).toThrow(ValidationError);
    let caught: unknown = null;
    try {
      listWindow({ limit: '9999' }, Errors.validation);
    } catch (err) {
      caught = err;
    }
    expect((caught as InstanceType<typeof ValidationError>).field).toBe('limit');
  });
});

// The validation helpers name the field and the rule in every message, and
// return the value narrowed when it is valid.

import { DomainError, Errors, IngestErrorReason, RateLimitedError, ValidationError } from '../../src/common/errors';
import {
  describeValue,
  fieldPath,
  optionalBoolean,
  optionalInt,
  optionalString,
  requireEnum,
  requireFiniteNumberArray,
  requireInt,
  requireObject,
  requireString,
} from '../../src/common/validation';

function failure(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a validation error');
}

describe('validation helpers', () => {
  it('requireFiniteNumberArray reports the expected length, then the index of a bad number', () => {
    const short = failure(() => requireFiniteNumberArray(new Array(127).fill(0), 'vectors[3].dense_values', 128));
    expect(short.message).toBe('vectors[3].dense_values: expected 128 numbers, got 127');
    expect(short).toMatchObject({ code: 'INTAKE_VALIDATION', status: 400, field: 'vectors[3].dense_values' });
    expect(short.details).toEqual({ rule: 'expected 128 numbers, got 127' });

    expect(failure(() => requireFiniteNumberArray([1, NaN, 3], 'v', 3)).message).toBe('v[1]: expected a finite number, got NaN');
    expect(failure(() => requireFiniteNumberArray([1, 2, Infinity], 'v')).message).toBe('v[2]: expected a finite number, got Infinity');
    expect(failure(() => requireFiniteNumberArray([1, '2'], 'v')).message).toBe('v[1]: expected a finite number, got the string "2"');
    expect(failure(() => requireFiniteNumberArray([1, null], 'v')).field).toBe('v[1]');
    expect(failure(() => requireFiniteNumberArray({}, 'v', 4)).message).toBe('v: expected an array of 4 numbers, got an object');
    expect(requireFiniteNumberArray([0.5, -1, 1e30], 'v', 3)).toEqual([0.5, -1, 1e30]);
  });

  it('requireObject rejects arrays, null and primitives', () => {
    expect(failure(() => requireObject([], 'body')).message).toBe('body: expected an object, got an array of 0');
    expect(failure(() => requireObject(null, 'hnsw')).message).toBe('hnsw: expected an object, got null');
    expect(failure(() => requireObject(undefined, 'hnsw')).message).toBe('hnsw: expected an object, got nothing');
    expect(requireObject({ a: 1 }, 'body')).toEqual({ a: 1 });
  });

  it('requireString checks type, length and pattern', () => {
    expect(failure(() => requireString(5, 'name')).message).toBe('name: expected a string, got 5');
    expect(failure(() => requireString('', 'name', { minLength: 1 })).message).toBe('name: must not be empty');
    expect(failure(() => requireString('abcdef', 'name', { maxLength: 4 })).message).toBe('name: expected at most 4 characters, got 6');
    expect(failure(() => requireString('Bad Name', 'name', { pattern: /^[a-z0-9_-]+$/ })).message).toBe(
      'name: must match ^[a-z0-9_-]+$, got the string "Bad Name"',
    );
    expect(failure(() => requireString('x!', 'name', { pattern: /^[a-z]+$/, patternText: 'lowercase letters' })).message).toBe(
      'name: must match lowercase letters, got the string "x!"',
    );
    expect(failure(() => requireString('x'.repeat(100), 'id', { pattern: /^y/ })).message).toContain(`"${'x'.repeat(40)}…"`);
    expect(requireString('docs', 'name', { pattern: /^[a-z]+$/, maxLength: 8 })).toBe('docs');
    expect(optionalString(undefined, 'description')).toBeUndefined();
    expect(optionalString(null, 'description')).toBeUndefined();
  });

  it('requireInt and optionalInt check the range and integrality', () => {
    expect(failure(() => optionalInt(0, 'top_k', { min: 1, max: 1000 })).message).toBe('top_k: expected an integer in [1, 1000], got 0');
    expect(failure(() => optionalInt(1.5, 'top_k', { min: 1, max: 1000 })).message).toBe('top_k: expected an integer in [1, 1000], got 1.5');
    expect(failure(() => requireInt('10', 'shards', { min: 1, max: 64 })).message).toBe('shards: expected an integer in [1, 64], got the string "10"');
    expect(optionalInt(undefined, 'top_k', { min: 1, max: 1000 })).toBeUndefined();
    expect(optionalInt(10, 'top_k', { min: 1, max: 1000 })).toBe(10);
  });

  it('requireEnum lists the allowed values', () => {
    expect(failure(() => requireEnum('dot', 'metric', ['cosine', 'l2', 'ip'])).message).toBe(
      'metric: expected one of cosine, l2, ip, got the string "dot"',
    );
    const metric: 'cosine' | 'l2' | 'ip' = requireEnum('l2', 'metric', ['cosine', 'l2', 'ip']);
    expect(metric).toBe('l2');
    expect(failure(() => optionalBoolean('yes', 'wait')).message).toBe('wait: expected true or false, got the string "yes"');
  });

  it('fieldPath and describeValue build the two halves of a message', () => {
    expect(fieldPath('vectors', 3, 'dense_values')).toBe('vectors[3].dense_values');
    expect(fieldPath('', 'hnsw', 'M')).toBe('hnsw.M');
    expect(describeValue(true)).toBe('a boolean');
  });
});

describe('error catalog', () => {
  it('builds typed errors with stable codes and statuses', () => {
    const cases: [DomainError, string, number][] = [
      [Errors.notFound('collection', 'docs'), 'INTAKE_NOT_FOUND', 404],
      [Errors.conflict('collection', 'docs'), 'INTAKE_CONFLICT', 409],
      [Errors.unavailable('not applied yet', { lag: '3' }), 'INTAKE_UNAVAILABLE', 503],
      [Errors.payloadTooLarge('body', 1_048_576, 2_000_000), 'INTAKE_PAYLOAD_TOO_LARGE', 413],
      [Errors.tooManyRequests('slow down', 1500), 'INTAKE_RATE_LIMITED', 429],
      [Errors.unauthorized(), 'INTAKE_UNAUTHORIZED', 401],
      [Errors.forbidden(), 'INTAKE_FORBIDDEN', 403],
      [Errors.unsupportedMediaType('text/plain', ['application/json']), 'INTAKE_UNSUPPORTED_MEDIA_TYPE', 415],
      [Errors.invalidState('session already finalized'), 'INTAKE_INVALID_STATE', 409],
    ];
    for (const [err, code, status] of cases) {
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toBeInstanceOf(Error);
      expect([err.code, err.status]).toEqual([code, status]);
    }
    expect(Errors.notFound('collection', 'docs').message).toBe("collection 'docs' not found");
    expect(Errors.payloadTooLarge('body', 1_048_576, 2_000_000).message).toBe('body: 2000000 bytes exceeds the limit of 1048576 bytes');
    const limited = Errors.tooManyRequests('slow down', 1500);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited.name).toBe('RateLimitedError');
    expect(limited.details).toEqual({ retry_after_ms: 1500 });
    expect(Errors.validation('a', 'b').name).toBe('ValidationError');
    expect('field' in Errors.notFound('x', 'y')).toBe(false);
  });

  it('keeps ingest error reasons as stable string codes', () => {
    for (const [key, value] of Object.entries(IngestErrorReason)) expect(key).toBe(value);
    expect(IngestErrorReason.WRONG_DIMENSION).toBe('WRONG_DIMENSION');
  });
});

// One catalog of Intake's errors, fastify-errors style: each kind is declared once
// as data (stable code, HTTP status) and built by a factory, so a code never drifts
// between the places that throw it. Domain code throws these; only the exception
// filter knows about HTTP, and it reads `status` from here rather than guessing.
// The `ingest_errors.reason` codes live here too, for the same reason.

export interface DomainErrorOptions {
  /** The request field the error is about, e.g. `vectors[3].dense_values`. */
  field?: string;
  /** Extra machine-readable facts, merged into the error body. Keys are snake_case. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  // `declare`: no class-field initialiser, so an absent field is absent (not undefined) in the body.
  declare readonly field?: string;
  declare readonly details?: Record<string, unknown>;

  constructor(message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.field !== undefined) this.field = options.field;
    if (options.details !== undefined) this.details = options.details;
  }
}

/** A concrete catalog entry: its code is a literal type, so `err.code === 'INTAKE_…'` narrows. */
export interface CatalogError<C extends string> extends DomainError {
  readonly code: C;
  readonly status: number;
}
type DomainErrorClass<C extends string> = new (message: string, options?: DomainErrorOptions) => CatalogError<C>;

/** Declares one catalog entry: a DomainError subclass with a fixed code and status. */
function defineError<C extends string>(name: string, code: C, status: number): DomainErrorClass<C> {
  const cls = class extends DomainError {
    readonly code = code;
    readonly status = status;
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const ValidationError = defineError('ValidationError', 'INTAKE_VALIDATION', 400);
export const NotFoundError = defineError('NotFoundError', 'INTAKE_NOT_FOUND', 404);
export const ConflictError = defineError('ConflictError', 'INTAKE_CONFLICT', 409);
export const InvalidStateError = defineError('InvalidStateError', 'INTAKE_INVALID_STATE', 409);
export const PayloadTooLargeError = defineError('PayloadTooLargeError', 'INTAKE_PAYLOAD_TOO_LARGE', 413);
export const UnsupportedMediaTypeError = defineError('UnsupportedMediaTypeError', 'INTAKE_UNSUPPORTED_MEDIA_TYPE', 415);
export const UriTooLongError = defineError('UriTooLongError', 'INTAKE_URI_TOO_LONG', 414);
export const UnauthorizedError = defineError('UnauthorizedError', 'INTAKE_UNAUTHORIZED', 401);
export const ForbiddenError = defineError('ForbiddenError', 'INTAKE_FORBIDDEN', 403);
export const UnavailableError = defineError('UnavailableError', 'INTAKE_UNAVAILABLE', 503);
export type ValidationError = InstanceType<typeof ValidationError>;
export type NotFoundError = InstanceType<typeof NotFoundError>;
export type ConflictError = InstanceType<typeof ConflictError>;
export type UnavailableError = InstanceType<typeof UnavailableError>;

/** 429 carries how long to back off; the filter turns it into a Retry-After header (and RateLimit-* when given). */
export class RateLimitedError extends defineError('RateLimitedError', 'INTAKE_RATE_LIMITED', 429) {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options: DomainErrorOptions = {},
    readonly rateLimitHeaders: Record<string, string> = {},
  ) {
    super(message, { ...options, details: { ...options.details, retry_after_ms: retryAfterMs } });
  }
}

/**
 * Seed 003's own error body, `{"error": "invalid_format", "detail": "…"}`, which its
 * clients parse: the streams ingest endpoint answers its 400s (and the 404 of an
 * unknown X-Stream-Id) in that shape rather than the catalog's.
 */
export class InvalidFormatError extends DomainError {
  readonly code = 'INTAKE_INVALID_FORMAT';
  constructor(
    readonly status: 400 | 404,
    detail: string,
    field?: string,
  ) {
    super(detail, field === undefined ? {} : { field });
  }
}

/** Codes the filter uses for errors that are not DomainErrors. */
export const INTERNAL_ERROR_CODE = 'INTAKE_INTERNAL';
/** Statuses raised by the framework (router, body reader) get the code of the catalog entry with that status. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'INTAKE_VALIDATION',
  404: 'INTAKE_NOT_FOUND',
  413: 'INTAKE_PAYLOAD_TOO_LARGE',
  414: 'INTAKE_URI_TOO_LONG',
  415: 'INTAKE_UNSUPPORTED_MEDIA_TYPE',
};
export const httpErrorCode = (status: number): string => CODE_BY_STATUS[status] ?? `INTAKE_HTTP_${status}`;

/** The constructors every module uses; messages follow one pattern per kind. */
export const Errors = {
  /** `vectors[3].dense_values: expected 128 numbers, got 127` */
  validation: (field: string, rule: string) => new ValidationError(`${field}: ${rule}`, { field, details: { rule } }),
  notFound: (kind: string, id: string) => new NotFoundError(`${kind} '${id}' not found`, { details: { kind, id } }),
  conflict: (kind: string, id: string) => new ConflictError(`${kind} '${id}' already exists`, { details: { kind, id } }),
  /** The resource exists but is in a state that does not allow the operation (e.g. finalize twice). */
  invalidState: (message: string, details?: Record<string, unknown>) => new InvalidStateError(message, { details }),
  unavailable: (message: string, details?: Record<string, unknown>) => new UnavailableError(message, { details }),
  payloadTooLarge: (what: string, limitBytes: number, actualBytes?: number) =>
    new PayloadTooLargeError(
      actualBytes === undefined
        ? `${what}: exceeds the limit of ${limitBytes} bytes`
        : `${what}: ${actualBytes} bytes exceeds the limit of ${limitBytes} bytes`,
      { field: what, details: { limit_bytes: limitBytes, ...(actualBytes === undefined ? {} : { actual_bytes: actualBytes }) } },
    ),
  unsupportedMediaType: (actual: string | undefined, expected: readonly string[]) =>
    new UnsupportedMediaTypeError(`content-type '${actual ?? ''}' is not supported; expected ${expected.join(' or ')}`, {
      details: { expected: [...expected] },
    }),
  tooManyRequests: (message: string, retryAfterMs: number, headers: Record<string, string> = {}) => new RateLimitedError(message, retryAfterMs, {}, headers),
  unauthorized: (message = 'missing or invalid bearer token') => new UnauthorizedError(message),
  forbidden: (message = 'this token may not perform this operation') => new ForbiddenError(message),
} as const;

/**
 * Why a record that reached the log was not materialized (ingest_errors.reason).
 * Stable: people filter on these, and docs/ lists them. Add, never rename.
 */
export const IngestErrorReason = {
  /** The value cannot be decoded as a vector (not float32 bytes, wrong envelope). */
  MALFORMED_VECTOR: 'MALFORMED_VECTOR',
  /** The vector has a different dimension than its collection. */
  WRONG_DIMENSION: 'WRONG_DIMENSION',
  /** A component is NaN or ±Infinity. */
  NON_FINITE_VALUE: 'NON_FINITE_VALUE',
  /** The record has no key where one is required (vector id, primary key). */
  MISSING_KEY: 'MISSING_KEY',
  /** The op header names no operation this consumer knows. */
  UNKNOWN_OP: 'UNKNOWN_OP',
  /** The same id appears twice where ids must be unique (e.g. one ingest batch). */
  DUPLICATE_ID: 'DUPLICATE_ID',
  /** The record does not satisfy its schema (sink table, stream, task). */
  INVALID_RECORD: 'INVALID_RECORD',
  /** A vector the index refuses (e.g. all zeros under cosine). */
  INVALID_VECTOR: 'INVALID_VECTOR',
  /** The value is not parseable JSON where JSON is expected. */
  MALFORMED_JSON: 'MALFORMED_JSON',
  /** The record is larger than its consumer accepts. */
  RECORD_TOO_LARGE: 'RECORD_TOO_LARGE',
  /** The envelope version header is newer than this node understands. */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** A stream pipeline processor rejected or failed on the record. */
  PROCESSOR_FAILED: 'PROCESSOR_FAILED',
  /** A stream destination refused the record after its retries. */
  DESTINATION_FAILED: 'DESTINATION_FAILED',
  /** The embedder failed for a task item. */
  EMBEDDING_FAILED: 'EMBEDDING_FAILED',
  /** The target (collection, table) no longer exists. */
  TARGET_MISSING: 'TARGET_MISSING',
  /** Anything unexpected; the message holds the detail. */
  INTERNAL: 'INTERNAL',
} as const;
export type IngestErrorReason = (typeof IngestErrorReason)[keyof typeof IngestErrorReason];

/** Where an ingest error came from (ingest_errors.source). */
export type IngestErrorSource = 'collection' | 'sink' | 'stream' | 'task' | 'session';

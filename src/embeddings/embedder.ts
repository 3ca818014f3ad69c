// Text -> vector embedders. A collection stores vectors of one fixed dimension, so the
// caller always passes the dimension it needs; an embedder that cannot honour it fails
// loudly instead of returning vectors the index would reject later.
//
// Errors carry a stable `code` so the HTTP exception filter (and the task worker) can map
// them without string matching: EMPTY_TEXT is the client's fault (400), EMBEDDER_UNAVAILABLE
// is transient (503, retry), EMBEDDER_BAD_RESPONSE means the embedder is misconfigured or
// broken (502; retrying the same request will not help).

export interface TextEmbedder {
  /** Identifies the embedding space (algorithm + model); vectors from different names are not comparable. */
  readonly name: string;
  /** One vector per text, in input order, each of exactly `dimension` floats. */
  embed(texts: string[], dimension: number): Promise<Float32Array[]>;
}

export abstract class EmbedderError extends Error {
  abstract readonly code: string;
}

/** A text is empty, whitespace-only, or has nothing to embed. `index` is its position in the request. */
export class EmptyTextError extends EmbedderError {
  readonly code = 'EMPTY_TEXT';
  constructor(readonly index: number, reason = 'is empty or whitespace-only') {
    super(`text at index ${index} ${reason}`);
    this.name = 'EmptyTextError';
  }
}

/** The embedder could not be reached, answered 5xx/429, or timed out: worth retrying later. */
export class EmbedderUnavailableError extends EmbedderError {
  readonly code = 'EMBEDDER_UNAVAILABLE';
  constructor(message: string, readonly status: number | null = null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbedderUnavailableError';
  }
}

/** The embedder answered, but not with what was asked for (bad JSON, wrong count or dimension, 4xx). */
export class EmbedderResponseError extends EmbedderError {
  readonly code = 'EMBEDDER_BAD_RESPONSE';
  constructor(message: string, readonly status: number | null = null) {
    super(message);
    this.name = 'EmbedderResponseError';
  }
}

/** Largest dimension any embedder here accepts; far above real models, low enough to stop typos allocating gigabytes. */
export const EMBEDDING_DIMENSION_MAX = 65_536;

/** A bad dimension is a programming/configuration error (collections validate it at creation), hence RangeError. */
export function checkDimension(dimension: number): void {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > EMBEDDING_DIMENSION_MAX) {
    throw new RangeError(`embedding dimension must be an integer in [1, ${EMBEDDING_DIMENSION_MAX}], got ${dimension}`);
  }
}

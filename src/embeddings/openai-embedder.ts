// Embeds through any server speaking OpenAI's embeddings API (OpenAI, Azure-style proxies,
// vLLM, Ollama, LM Studio, text-embeddings-inference ...). The answer is validated in full
// before anything is returned: a wrong-length or out-of-order vector written into an index
// would silently corrupt search results, which is far worse than failing the request.
//
// Failure classes (see embedder.ts): connection errors, timeouts, 408/429 and 5xx are
// "unavailable" (transient, retry later); any other non-2xx or malformed body is a
// "bad response" (misconfiguration: wrong model, key, dimension unsupported ...).

import { checkDimension, EmbedderResponseError, EmbedderUnavailableError, EmptyTextError, TextEmbedder } from './embedder';

export interface OpenAiCompatibleEmbedderOptions {
  /** Base URL, e.g. `https://api.openai.com`; `/v1/embeddings` is appended. */
  url: string;
  model: string;
  /** Sent as `Authorization: Bearer`; null for local servers that need none. */
  apiKey: string | null;
  /** Whole-request budget per batch (connect + send + full body read). */
  timeoutMs: number;
  /** Texts per HTTP request; larger inputs are split into sequential batches. */
  batchSizeMax: number;
}

/** How much of an error body is quoted in an exception message. */
const ERROR_BODY_QUOTE_CHARS_MAX = 300;

interface EmbeddingItem {
  index?: unknown;
  embedding?: unknown;
}

export class OpenAiCompatibleEmbedder implements TextEmbedder {
  readonly name: string;
  private readonly endpoint: string;

  constructor(private readonly options: OpenAiCompatibleEmbedderOptions) {
    if (!Number.isInteger(options.batchSizeMax) || options.batchSizeMax < 1) {
      throw new RangeError(`batchSizeMax must be a positive integer, got ${options.batchSizeMax}`);
    }
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new RangeError(`timeoutMs must be positive, got ${options.timeoutMs}`);
    }
    this.endpoint = `${options.url.replace(/\/+$/, '')}/v1/embeddings`;
    this.name = `openai:${options.model}`;
  }

  async embed(texts: string[], dimension: number): Promise<Float32Array[]> {
    checkDimension(dimension);
    // Checked locally up front: OpenAI answers 400 for empty input, which would surface as
    // a misleading "bad response" and would fail the whole batch after other batches ran.
    texts.forEach((t, i) => {
      if (typeof t !== 'string') throw new EmptyTextError(i, 'is not a string');
      if (t.trim() === '') throw new EmptyTextError(i);
    });
    const out: Float32Array[] = [];
    // Sequential on purpose: keeps order trivial and does not multiply load on a shared,
    // rate-limited embedding service.
    for (let start = 0; start < texts.length; start += this.options.batchSizeMax) {
      const batch = texts.slice(start, start + this.options.batchSizeMax);
      out.push(...(await this.embedBatch(batch, dimension)));
    }
    return out;
  }

  private async embedBatch(texts: string[], dimension: number): Promise<Float32Array[]> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    let status: number;
    let bodyText: string;
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
      if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: this.options.model, input: texts, dimensions: dimension }),
        signal: controller.signal,
      });
      status = res.status;
      bodyText = await res.text();
    } catch (err) {
      if (controller.signal.aborted) {
        throw new EmbedderUnavailableError(`embedder at ${this.endpoint} timed out after ${this.options.timeoutMs} ms`, null, { cause: err });
      }
      const detail = describeFetchError(err);
      throw new EmbedderUnavailableError(`embedder at ${this.endpoint} unreachable: ${detail}`, null, { cause: err });
    } finally {
      clearTimeout(timer);
    }

    if (status < 200 || status > 299) {
      const msg = `embedder at ${this.endpoint} answered HTTP ${status}: ${quote(bodyText)}`;
      if (status >= 500 || status === 408 || status === 429) throw new EmbedderUnavailableError(msg, status);
      throw new EmbedderResponseError(msg, status);
    }
    return parseEmbeddings(bodyText, texts.length, dimension, status);
  }
}

/** Validates an embeddings answer; returns vectors ordered by `index`. */
export function parseEmbeddings(bodyText: string, count: number, dimension: number, status: number | null = null): Float32Array[] {
  const fail = (why: string): never => {
    throw new EmbedderResponseError(`malformed embeddings response: ${why}`, status);
  };
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return fail(`not JSON: ${quote(bodyText)}`);
  }
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return fail('`data` is not an array');
  if (data.length !== count) return fail(`expected ${count} embeddings, got ${data.length}`);

  const items = data as EmbeddingItem[];
  // Some OpenAI-compatible servers omit `index`; accept that only when all omit it, and
  // then trust array order. A mix means we cannot know the order.
  const indexed = items.some((it) => it !== null && typeof it === 'object' && it.index !== undefined);
  const out: (Float32Array | undefined)[] = new Array(count);
  items.forEach((item, pos) => {
    if (item === null || typeof item !== 'object') return fail(`data[${pos}] is not an object`);
    let index = pos;
    if (indexed) {
      if (!Number.isInteger(item.index) || (item.index as number) < 0 || (item.index as number) >= count) {
        return fail(`data[${pos}].index is ${JSON.stringify(item.index)}, expected an integer in [0, ${count})`);
      }
      index = item.index as number;
      if (out[index] !== undefined) return fail(`duplicate index ${index}`);
    }
    const emb = item.embedding;
    if (!Array.isArray(emb)) return fail(`data[${pos}].embedding is not an array of numbers`);
    if (emb.length !== dimension) return fail(`data[${pos}].embedding has ${emb.length} values, expected ${dimension}`);
    const vec = new Float32Array(dimension);
    for (let i = 0; i < dimension; i++) {
      const v = emb[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) return fail(`data[${pos}].embedding[${i}] is not a finite number`);
      vec[i] = v;
    }
    out[index] = vec;
  });
  return out as Float32Array[];
}

function quote(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length > ERROR_BODY_QUOTE_CHARS_MAX ? `${oneLine.slice(0, ERROR_BODY_QUOTE_CHARS_MAX)}…` : oneLine || '(empty body)';
}

/** undici hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return e?.message ?? String(err);
}

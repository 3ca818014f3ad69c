// Public surface of the embeddings domain. createEmbedder takes the shape of
// AppConfig['embedder'] so the app wires it straight from config.

import { TextEmbedder } from './embedder';
import { HashingEmbedder } from './hashing-embedder';
import { OpenAiCompatibleEmbedder } from './openai-embedder';

export * from './embedder';
export { HashingEmbedder, hashingEmbed, tokenize, fnv1a32 } from './hashing-embedder';
export { OpenAiCompatibleEmbedder, parseEmbeddings } from './openai-embedder';
export type { OpenAiCompatibleEmbedderOptions } from './openai-embedder';

export type EmbedderConfig =
  | { kind: 'hashing' }
  | { kind: 'openai'; url: string; model: string; apiKey: string | null };

/** Generous: large batches on CPU-hosted models (TEI, Ollama) can take tens of seconds. */
export const EMBEDDER_TIMEOUT_MS = 60_000;
/** Well under OpenAI's 2,048-inputs-per-request limit, and small enough that one timeout loses little work. */
export const EMBEDDER_BATCH_SIZE_MAX = 256;

export function createEmbedder(
  config: EmbedderConfig,
  tuning: { timeoutMs?: number; batchSizeMax?: number } = {},
): TextEmbedder {
  switch (config.kind) {
    case 'hashing':
      return new HashingEmbedder();
    case 'openai':
      return new OpenAiCompatibleEmbedder({
        url: config.url,
        model: config.model,
        apiKey: config.apiKey,
        timeoutMs: tuning.timeoutMs ?? EMBEDDER_TIMEOUT_MS,
        batchSizeMax: tuning.batchSizeMax ?? EMBEDDER_BATCH_SIZE_MAX,
      });
  }
}

/** Nest injection token for the configured TextEmbedder. */
export const TEXT_EMBEDDER = Symbol('TEXT_EMBEDDER');

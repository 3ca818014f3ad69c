// The default embedder: feature hashing ("the hashing trick"). It needs no model download
// and no network, so a fresh `npm start` can accept `text` records immediately, and it is
// a pure function of (text, dimension): replaying the log rebuilds bit-identical vectors.
//
// Features: word unigrams, word bigrams and character 3-grams of each word (with `<` `>`
// boundary markers, so prefixes/suffixes are distinguishable and typos/inflections still
// overlap). Each feature hashes to a bucket and a sign; the sign makes collisions cancel
// in expectation instead of piling up, keeping inner products unbiased. Term frequency is
// damped (1 + ln tf) so one repeated word cannot dominate a document. The result is
// L2-normalised, so dot product == cosine similarity.
//
// Determinism: the hash is implemented here over UTF-8 bytes (not platform-dependent), the
// accumulation runs in float64 in a fixed order (feature first-occurrence order), and
// Math.log / Math.sqrt are deterministic in V8 (fdlibm port / IEEE sqrt). Tokenisation
// depends on the Unicode tables of the running Node (NFKC, toLowerCase, \p{L}), which only
// change for characters newly added to Unicode.

import { checkDimension, EmptyTextError, TextEmbedder } from './embedder';

/** Relative weights per feature kind; words carry most meaning, trigrams add fuzzy overlap. */
const UNIGRAM_WEIGHT = 1.0;
const BIGRAM_WEIGHT = 0.7;
const TRIGRAM_WEIGHT = 0.35;

// Ideographic/kana scripts are written without spaces; treating each character as a word
// (and thus character bigrams as word bigrams) is the usual cheap segmentation for them.
const UNSPACED_SCRIPT_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

// Feature-kind tags keep "ab" the word, "ab" the trigram and "a b" the bigram apart.
const TAG_UNIGRAM = 'w\u001f';
const TAG_BIGRAM = 'b\u001f';
const TAG_TRIGRAM = 'c\u001f';
const BIGRAM_SEPARATOR = '\u001f';

export class HashingEmbedder implements TextEmbedder {
  /** Versioned: change the algorithm => change the name, so stored vectors are never mixed. */
  readonly name = 'hashing-v1';

  async embed(texts: string[], dimension: number): Promise<Float32Array[]> {
    checkDimension(dimension);
    return texts.map((text, i) => embedOne(text, dimension, i));
  }
}

/** Synchronous core, exported for callers (and tests) that do not want a promise. */
export function hashingEmbed(text: string, dimension: number): Float32Array {
  checkDimension(dimension);
  return embedOne(text, dimension, 0);
}

function embedOne(text: string, dimension: number, index: number): Float32Array {
  if (typeof text !== 'string') throw new EmptyTextError(index, 'is not a string');
  if (text.trim() === '') throw new EmptyTextError(index);
  const words = tokenize(text);
  if (words.length === 0) throw new EmptyTextError(index, 'contains no letters or digits to embed');

  const counts = countFeatures(words);
  const acc = new Float64Array(dimension);
  for (const [feature, tf] of counts) {
    const h = fnv1a32(feature);
    const bucket = fmix32(h) % dimension;
    const sign = fmix32(h ^ 0x9e3779b9) & 1 ? -1 : 1;
    acc[bucket] += sign * kindWeight(feature) * (1 + Math.log(tf));
  }

  let sumSquares = 0;
  for (let i = 0; i < dimension; i++) sumSquares += acc[i] * acc[i];
  const out = new Float32Array(dimension);
  // A zero norm needs every feature to cancel exactly, which only happens with tiny
  // dimensions; leave the zero vector rather than divide by zero.
  if (sumSquares === 0) return out;
  const norm = Math.sqrt(sumSquares);
  for (let i = 0; i < dimension; i++) out[i] = acc[i] / norm;
  return out;
}

export function tokenize(text: string): string[] {
  const normalized = text.normalize('NFKC').toLowerCase().replace(UNSPACED_SCRIPT_CHAR, ' $& ');
  return normalized.match(WORD) ?? [];
}

function countFeatures(words: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (feature: string): void => {
    counts.set(feature, (counts.get(feature) ?? 0) + 1);
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    add(TAG_UNIGRAM + word);
    if (i > 0) add(TAG_BIGRAM + words[i - 1] + BIGRAM_SEPARATOR + word);
    // Iterate code points, not UTF-16 units, so astral characters are not split.
    const chars = Array.from(`<${word}>`);
    for (let j = 0; j + 3 <= chars.length; j++) add(TAG_TRIGRAM + chars[j] + chars[j + 1] + chars[j + 2]);
  }
  return counts;
}

function kindWeight(feature: string): number {
  switch (feature[0]) {
    case 'w':
      return UNIGRAM_WEIGHT;
    case 'b':
      return BIGRAM_WEIGHT;
    default:
      return TRIGRAM_WEIGHT;
  }
}

/** FNV-1a, 32-bit, over the UTF-8 encoding of `s` (encoded inline to avoid a Buffer per feature). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  const step = (byte: number): void => {
    h = Math.imul(h ^ byte, 0x01000193);
  };
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp < 0x80) {
      step(cp);
    } else if (cp < 0x800) {
      step(0xc0 | (cp >> 6));
      step(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      // Lone surrogates encode as their 3-byte form (WTF-8); they cannot come out of
      // tokenize(), which only keeps letters/digits/marks.
      step(0xe0 | (cp >> 12));
      step(0x80 | ((cp >> 6) & 0x3f));
      step(0x80 | (cp & 0x3f));
    } else {
      step(0xf0 | (cp >> 18));
      step(0x80 | ((cp >> 12) & 0x3f));
      step(0x80 | ((cp >> 6) & 0x3f));
      step(0x80 | (cp & 0x3f));
    }
  }
  return h >>> 0;
}

/** MurmurHash3's 32-bit finaliser: spreads FNV's weak low bits before taking a modulus. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

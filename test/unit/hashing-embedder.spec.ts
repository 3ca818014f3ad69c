import { createHash } from 'crypto';
import { createEmbedder, EmptyTextError, fnv1a32, HashingEmbedder, hashingEmbed, tokenize } from '../../src/embeddings';
import { cosine } from '../support/vectors';

function digest(v: Float32Array): string {
  return createHash('sha256').update(Buffer.from(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
}

describe('HashingEmbedder', () => {
  const embedder = new HashingEmbedder();

  it('is created by createEmbedder for kind=hashing and names its version', () => {
    const e = createEmbedder({ kind: 'hashing' });
    expect(e).toBeInstanceOf(HashingEmbedder);
    expect(e.name).toBe('hashing-v1');
  });

  it('FNV-1a matches the published test vectors (UTF-8 bytes)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // non-ASCII must hash its UTF-8 encoding, like any other implementation would
    const manual = (s: string): number => {
      let h = 0x811c9dc5;
      for (const b of Buffer.from(s, 'utf8')) h = Math.imul(h ^ b, 0x01000193);
      return h >>> 0;
    };
    for (const s of ['héllo', '日本語', 'emoji 😀 x', 'Ωmega']) expect(fnv1a32(s)).toBe(manual(s));
  });

  it('is deterministic: same text and dimension give bit-identical vectors, pinned across runs', async () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    const [a] = await embedder.embed([text], 256);
    const [b] = await new HashingEmbedder().embed([text], 256);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    // Pinned digest: any change to tokenisation, hashing or weighting changes stored
    // vectors, and must come with a new embedder name (hashing-v2).
    expect(digest(a)).toBe('1581ef10fe766ac873a8c5ab9e8e32ac471ac7813f005c61ac66448e7e4ecb6c');
  });

  it('returns L2-normalised vectors of exactly the requested dimension', async () => {
    for (const dimension of [1, 7, 64, 384, 1536]) {
      const vs = await embedder.embed(['hello world', 'Ünïcödé tëxt – with punctuation!', 'x'], dimension);
      expect(vs).toHaveLength(3);
      for (const v of vs) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v.length).toBe(dimension);
        const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
        expect(norm).toBeCloseTo(1, 5);
      }
    }
  });

  it('gives high similarity to texts sharing words and low to unrelated ones', async () => {
    const [base, paraphrase, reordered, typo, unrelated, unrelated2] = await embedder.embed(
      [
        'the quick brown fox jumps over the lazy dog',
        'a quick brown fox jumped over a lazy dog',
        'the lazy dog and the quick brown fox',
        'the quikc brown fox jumps over the lazy dgo',
        'quarterly revenue increased in european markets',
        'kubernetes pod restarted after memory limit exceeded',
      ],
      384,
    );
    expect(cosine(base, paraphrase)).toBeGreaterThan(0.5);
    expect(cosine(base, reordered)).toBeGreaterThan(0.5);
    expect(cosine(base, typo)).toBeGreaterThan(0.5);
    expect(Math.abs(cosine(base, unrelated))).toBeLessThan(0.15);
    expect(Math.abs(cosine(base, unrelated2))).toBeLessThan(0.15);
    expect(Math.abs(cosine(unrelated, unrelated2))).toBeLessThan(0.15);
    expect(cosine(base, paraphrase)).toBeGreaterThan(cosine(base, unrelated) + 0.4);
  });

  it('is case- and Unicode-normalisation-insensitive', async () => {
    const [a, b, c, d] = await embedder.embed(['Café Déjà Vu', 'café déjà vu', 'Cafe\u0301 De\u0301ja\u0300 vu', 'CAFÉ DÉJÀ VU'], 128);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).toEqual(Array.from(a)); // decomposed accents (NFD) == composed
    expect(Array.from(d)).toEqual(Array.from(a));
  });

  it('tokenises Unicode words and splits unspaced scripts into characters', () => {
    expect(tokenize("Hello, World! it's 2024 — naïve café")).toEqual(['hello', 'world', 'it', 's', '2024', 'naïve', 'café']);
    expect(tokenize('Привет мир')).toEqual(['привет', 'мир']);
    expect(tokenize('東京タワー in Tokyo')).toEqual(['東', '京', 'タ', 'ワ', 'ー', 'in', 'tokyo']);
  });

  it('embeds non-Latin text meaningfully', async () => {
    const [a, b, c] = await embedder.embed(['東京の天気は晴れです', '東京の天気は雨です', 'Привет мир'], 256);
    expect(cosine(a, b)).toBeGreaterThan(0.5);
    expect(Math.abs(cosine(a, c))).toBeLessThan(0.15);
  });

  it('rejects empty, whitespace-only and word-less text with EmptyTextError naming the index', async () => {
    await expect(embedder.embed(['ok', ''], 16)).rejects.toMatchObject({ code: 'EMPTY_TEXT', index: 1 });
    await expect(embedder.embed([' \n\t '], 16)).rejects.toBeInstanceOf(EmptyTextError);
    await expect(embedder.embed(['ok', 'fine', '!!! ---'], 16)).rejects.toMatchObject({ code: 'EMPTY_TEXT', index: 2 });
    expect(() => hashingEmbed('   ', 8)).toThrow(EmptyTextError);
  });

  it('rejects invalid dimensions', async () => {
    await expect(embedder.embed(['x'], 0)).rejects.toBeInstanceOf(RangeError);
    await expect(embedder.embed(['x'], 3.5)).rejects.toBeInstanceOf(RangeError);
  });

  it('returns [] for no texts', async () => {
    await expect(embedder.embed([], 8)).resolves.toEqual([]);
  });
});

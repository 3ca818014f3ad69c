// Parsing of the JSON bodies of seed 001: /init, /ingest, /finalize.
import { Errors } from '../../common/errors';
import { requireName, requireRecordId } from '../../common/identifiers';
import { parseDense } from '../../collections/dto/upsert-vectors';
import { IngestMode } from '../../log/vector-record';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function body(v: unknown): Record<string, unknown> {
  if (!isObject(v)) throw Errors.validation('body', 'must be a JSON object');
  return v;
}

export function parseIndexName(value: unknown): string {
  return requireName(value, 'index_name');
}

export function parseInit(raw: unknown): { indexName: string; mode: IngestMode } {
  const b = body(raw);
  const indexName = parseIndexName(b.index_name);
  if (b.mode !== 'build' && b.mode !== 'insert' && b.mode !== 'upsert') {
    throw Errors.validation('mode', 'is required and must be one of "build", "insert", "upsert"');
  }
  return { indexName, mode: b.mode };
}

/** `index_name` only; the vector is checked against the index's dimension afterwards. */
export function parseIngestHead(raw: unknown): { indexName: string; body: Record<string, unknown> } {
  const b = body(raw);
  return { indexName: parseIndexName(b.index_name), body: b };
}

export function parseIngestVector(b: Record<string, unknown>, dimension: number): { id: string; vector: number[] } {
  const id = requireRecordId(b.external_id, 'external_id');
  return { id, vector: parseDense(b.vector, 'vector', dimension) };
}

export interface FinalizeRequest {
  indexName: string;
  optimize: boolean;
  params: { M?: number; efConstruction?: number; efSearch?: number; randomSeed?: number };
}

function optionalInt(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw Errors.validation(field, `must be an integer in [${min}, ${max}]`);
  return v;
}

export function parseFinalize(raw: unknown): FinalizeRequest {
  const b = body(raw);
  const indexName = parseIndexName(b.index_name);
  if (b.optimize !== undefined && typeof b.optimize !== 'boolean') throw Errors.validation('optimize', 'must be a boolean');
  const p = b.params ?? {};
  if (!isObject(p)) throw Errors.validation('params', 'must be an object {M, ef_construction, ef_search, rng_seed}');
  return {
    indexName,
    optimize: (b.optimize as boolean | undefined) ?? false,
    params: {
      M: optionalInt(p.M, 'params.M', 2, 128),
      efConstruction: optionalInt(p.ef_construction, 'params.ef_construction', 1, 4096),
      efSearch: optionalInt(p.ef_search, 'params.ef_search', 1, 4096),
      randomSeed: optionalInt(p.rng_seed, 'params.rng_seed', 0, 2 ** 31 - 1),
    },
  };
}

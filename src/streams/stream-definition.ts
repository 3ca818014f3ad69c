// What a stream is: processors applied in order, ordered routes, named destinations.
// The JSON schemas (dto/stream-requests.ts) check shapes; `definitionProblem` checks
// what a schema cannot: names referenced by routes exist, conditions use only safe
// operators, regular expressions compile, paths never reach a prototype.

import type { ResourceRateLimit } from '../auth/resource-rate-limiter';
import { Errors } from '../common/errors';
import { conditionProblem, Condition } from './conditions';
import { FORBIDDEN_KEYS } from './event-paths';

export type ProcessorSpec =
  | { type: 'parse'; field: string; format: 'json' | 'key_value' | 'regex'; pattern?: string; target?: string }
  | { type: 'set'; field: string; value?: unknown; from?: string }
  | { type: 'rename'; from: string; to: string }
  | { type: 'drop_fields'; fields: string[] }
  | { type: 'mask'; field?: string; pattern?: string; with: 'mask' | 'hash'; mask?: string; salt?: string }
  | { type: 'filter'; drop_when: Condition }
  | { type: 'sample'; rate: number; key_field?: string; when?: Condition };

export interface RouteSpec {
  when?: Condition;
  to: string[];
  final?: boolean;
}

export type DestinationSpec =
  | { name: string; type: 'table'; table: string; id_field: string; fields?: { column: string; path: string }[]; allow_missing_fields?: boolean }
  | { name: string; type: 'collection'; collection: string; id_field: string; text_field: string; metadata_field?: string }
  | { name: string; type: 'topic'; topic: string; key_field?: string }
  | { name: string; type: 'webhook'; url: string; headers?: Record<string, string>; batch_max_events?: number; retries?: number; concurrency?: number; timeout_ms?: number }
  | { name: string; type: 'file'; max_bytes?: number; max_age_seconds?: number };

export type RateLimitSpec = ResourceRateLimit;

export interface StreamDefinition {
  pipeline: ProcessorSpec[];
  routes: RouteSpec[];
  destinations: DestinationSpec[];
}

export interface StoredStream {
  id: string;
  name: string;
  version: number;
  definition: StreamDefinition;
  rateLimit: RateLimitSpec | null;
  partitions: number;
  createdAt: Date;
  updatedAt: Date;
}

/** The destination that gets events no route matched, when a stream defines one. */
export const UNMATCHED_DESTINATION = '_unmatched';

function pathProblem(path: string | undefined): string | null {
  if (path === undefined) return null;
  const bad = path.split('.').find((k) => FORBIDDEN_KEYS.has(k));
  return bad ? `may not name the key '${bad}'` : null;
}

function regexProblem(pattern: string, named: boolean): string | null {
  try {
    const re = new RegExp(pattern);
    if (named && !/\(\?<[A-Za-z_][A-Za-z0-9_]*>/.test(re.source)) return 'must have at least one named group, e.g. (?<status>\\d+)';
    return null;
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
}

/** Throws the 400 naming the first problem; the shapes were already checked by the schema. */
export function checkDefinition(d: StreamDefinition): void {
  const p = definitionProblem(d);
  if (p) throw Errors.validation(p.field, p.rule);
}

export function definitionProblem(d: StreamDefinition): { field: string; rule: string } | null {
  for (const [i, proc] of d.pipeline.entries()) {
    const at = `pipeline[${i}]`;
    for (const key of ['field', 'from', 'to', 'target', 'key_field'] as const) {
      const p = pathProblem((proc as Record<string, string | undefined>)[key]);
      if (p) return { field: `${at}.${key}`, rule: p };
    }
    if (proc.type === 'drop_fields') {
      for (const [k, f] of proc.fields.entries()) {
        const p = pathProblem(f);
        if (p) return { field: `${at}.fields[${k}]`, rule: p };
      }
    }
    if (proc.type === 'set' && (proc.value === undefined) === (proc.from === undefined)) return { field: at, rule: 'must carry exactly one of value and from' };
    if (proc.type === 'parse') {
      if (proc.format === 'regex' && proc.pattern === undefined) return { field: `${at}.pattern`, rule: 'is required when format is regex' };
      if (proc.format !== 'regex' && proc.pattern !== undefined) return { field: `${at}.pattern`, rule: 'is only for format regex' };
      if (proc.pattern !== undefined) {
        const p = regexProblem(proc.pattern, true);
        if (p) return { field: `${at}.pattern`, rule: p };
      }
    }
    if (proc.type === 'mask' && proc.pattern !== undefined && proc.pattern !== 'card_number' && proc.pattern !== 'email') {
      const p = regexProblem(proc.pattern, false);
      if (p) return { field: `${at}.pattern`, rule: p };
    }
    if (proc.type === 'mask' && proc.field === undefined && proc.pattern === undefined) return { field: at, rule: 'needs a field, a pattern, or both' };
    const condition = proc.type === 'filter' ? proc.drop_when : proc.type === 'sample' ? proc.when : undefined;
    if (condition !== undefined) {
      const p = conditionProblem(condition);
      if (p) return { field: `${at}.${proc.type === 'filter' ? 'drop_when' : 'when'}`, rule: p };
    }
  }
  const names = new Set<string>();
  for (const [i, dest] of d.destinations.entries()) {
    if (names.has(dest.name)) return { field: `destinations[${i}].name`, rule: `'${dest.name}' is already the name of another destination` };
    names.add(dest.name);
    for (const key of ['id_field', 'text_field', 'metadata_field', 'key_field'] as const) {
      const p = pathProblem((dest as Record<string, unknown>)[key] as string | undefined);
      if (p) return { field: `destinations[${i}].${key}`, rule: p };
    }
    if (dest.type === 'table') {
      for (const [k, f] of (dest.fields ?? []).entries()) {
        const p = pathProblem(f.path);
        if (p) return { field: `destinations[${i}].fields[${k}].path`, rule: p };
      }
    }
    if (dest.type === 'webhook') {
      try {
        new URL(dest.url);
      } catch {
        return { field: `destinations[${i}].url`, rule: 'must be an absolute http(s) URL' };
      }
    }
  }
  for (const [i, route] of d.routes.entries()) {
    if (route.when !== undefined) {
      const p = conditionProblem(route.when);
      if (p) return { field: `routes[${i}].when`, rule: p };
    }
    for (const [k, name] of route.to.entries()) {
      if (!names.has(name)) return { field: `routes[${i}].to[${k}]`, rule: `names no destination of this stream ('${name}')` };
    }
  }
  return null;
}

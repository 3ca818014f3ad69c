// What a token may do: scopes per surface and verb, optionally narrowed to named
// resources. `admin` may do everything (tokens included); `read` may read every
// surface; `<surface>:write` includes `<surface>:read`. A route names the one scope
// it needs and, when it acts on one resource, which one (see access-control.ts).

export const SURFACES = ['collections', 'sinks', 'streams', 'tasks'] as const;
export type Surface = (typeof SURFACES)[number];

export const SCOPES = [
  'admin',
  'read',
  'collections:read',
  'collections:write',
  'sinks:read',
  'sinks:write',
  'streams:read',
  'streams:write',
  'streams:ingest',
  'tasks:read',
  'tasks:write',
] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/**
 * Resource kinds a token can be narrowed to, with the names it may touch. `tables` are
 * the sinks' tables (/v2/tables), under the `sinks:*` scopes: a token narrowed to named
 * sinks reaches only the tables it also names (none when it names no tables), so
 * narrowing a token to its sinks cannot leave every table open to it.
 */
export type TokenResources = Partial<Record<'collections' | 'sinks' | 'tables' | 'streams', string[]>>;
export type ResourceKind = keyof TokenResources;

export interface Grant {
  scopes: readonly Scope[];
  /** null: every resource of the scopes' surfaces. */
  resources: TokenResources | null;
}

export interface Requirement {
  scope: Scope;
  /** The resource the request acts on, when it acts on one. */
  resource?: { kind: ResourceKind; name: string };
}

export type Decision = { allowed: true } | { allowed: false; why: string };

export function decide(grant: Grant, need: Requirement): Decision {
  if (!hasScope(grant.scopes, need.scope)) return { allowed: false, why: `this token lacks the scope '${need.scope}'` };
  if (need.resource && grant.resources && !grant.scopes.includes('admin')) {
    const names = grant.resources[need.resource.kind] ?? (need.resource.kind === 'tables' && grant.resources.sinks ? [] : undefined);
    if (names && !names.includes(need.resource.name)) {
      return { allowed: false, why: `this token may not act on ${need.resource.kind} '${need.resource.name}'` };
    }
  }
  return { allowed: true };
}

function hasScope(held: readonly Scope[], need: Scope): boolean {
  if (held.includes('admin') || held.includes(need)) return true;
  const [surface, verb] = need.split(':');
  if (verb === 'read') return held.includes('read') || held.includes(`${surface}:write` as Scope);
  return false;
}

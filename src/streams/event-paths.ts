// Dot paths into an event (`event.card.number`), the notation of the conditions
// (MongoDB-style, sift) so that a pipeline names a field one way everywhere.
// Keys `__proto__`, `constructor` and `prototype` are refused when a stream is
// defined (stream-definition.ts), so a path can never reach an object's prototype.

export type EventObject = Record<string, unknown>;

export const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function splitPath(path: string): string[] {
  return path.split('.');
}

function isPlainObject(v: unknown): v is EventObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function getPath(root: EventObject, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const key of path) {
    if (!isPlainObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** Sets the value, making the intermediate objects a path needs (a non-object on the way is replaced). */
export function setPath(root: EventObject, path: readonly string[], value: unknown): void {
  let node = root;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]];
    if (!isPlainObject(next)) node[path[i]] = {};
    node = node[path[i]] as EventObject;
  }
  node[path[path.length - 1]] = value;
}

/** Deletes the field; returns its value (undefined when it was absent). */
export function deletePath(root: EventObject, path: readonly string[]): unknown {
  const parent = path.length === 1 ? root : getPath(root, path.slice(0, -1));
  if (!isPlainObject(parent)) return undefined;
  const last = path[path.length - 1];
  if (!Object.prototype.hasOwnProperty.call(parent, last)) return undefined;
  const value = parent[last];
  delete parent[last];
  return value;
}

/** Applies `fn` to every string inside the value (objects and arrays walked), returning the new value. */
export function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (isPlainObject(value)) {
    const out: EventObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapStrings(v, fn);
    return out;
  }
  return value;
}

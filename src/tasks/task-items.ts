// The pure rules of a task's items, kept apart from I/O so unit tests can pin them:
// the request digest that makes a repeated task_id idempotent, the one-id-per-task
// rule, where an item's text comes from (payload.text, or a template over payload
// fields), and how the item list is cut into the worker's batches.

import { createHash } from 'node:crypto';
import type { TaskItem } from './upsertion-task.entity';
import type { TaskTarget } from './task-states';

/** JSON with object keys sorted at every level: two requests that mean the same items digest the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** SHA-256 of what a run request asks for: the target collection and the items, in order. */
export function requestDigest(target: TaskTarget, items: readonly TaskItem[]): Buffer {
  return createHash('sha256').update(canonicalJson({ target, items })).digest();
}

/** The position of the first item whose object_id an earlier item already has, or -1. */
export function firstDuplicateObjectId(items: readonly Pick<TaskItem, 'object_id'>[]): number {
  const seen = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    if (seen.has(items[i].object_id)) return i;
    seen.add(items[i].object_id);
  }
  return -1;
}

/** An item's text, or why it has none (the reason lands in failed_items). */
export type ItemText = { text: string } | { reason: string };

const PLACEHOLDER = /\{([^{}]+)\}/g;

/**
 * A text template: `{title}: {body}` reads the payload's top-level `title` and `body`
 * (strings, numbers or booleans). Null: the payload's `text` field, as the seed's example.
 */
export class TextTemplate {
  readonly fields: string[];

  constructor(readonly template: string | null) {
    this.fields = template === null ? ['text'] : [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
    if (template !== null && this.fields.length === 0) throw new Error(`text template '${template}' names no {field}`);
  }

  textOf(payload: Record<string, unknown> | null | undefined): ItemText {
    if (payload === null || payload === undefined) return { reason: `payload: is missing; the text is read from payload.${this.fields.join(', payload.')}` };
    const values = new Map<string, string>();
    for (const field of this.fields) {
      const v = payload[field];
      if (v === undefined || v === null) return { reason: `payload.${field}: is missing` };
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return { reason: `payload.${field}: must be a string, got ${Array.isArray(v) ? 'an array' : 'an object'}` };
      values.set(field, String(v));
    }
    const text = this.template === null ? (values.get('text') as string) : this.template.replace(PLACEHOLDER, (_, f: string) => values.get(f) as string);
    if (text.trim() === '') return { reason: this.template === null ? 'payload.text: is empty' : `the text template '${this.template}' gives an empty text` };
    return { text };
  }
}

/** [start, end) of each batch from `from` on: the worker's unit of embedding, upsert and cancel check. */
export function batchRanges(total: number, from: number, size: number): [number, number][] {
  if (size < 1) throw new RangeError(`batch size must be ≥ 1, got ${size}`);
  const out: [number, number][] = [];
  for (let start = from; start < total; start += size) out.push([start, Math.min(total, start + size)]);
  return out;
}

// The processors of a stream's pipeline, each compiled once per pipeline version
// into a function over one event (a plain object it may change in place). A
// processor returns 'keep', 'drop_filter' or 'drop_sample', or throws a
// ProcessorFailure whose message names the processor and the rule: the event then
// goes to ingest_errors, never disappears.

import { createHash } from 'node:crypto';
import { compileCondition } from './conditions';
import { deletePath, EventObject, getPath, mapStrings, setPath, splitPath } from './event-paths';
import type { ProcessorSpec } from './stream-definition';

export type ProcessorVerdict = 'keep' | 'drop_filter' | 'drop_sample';

/** Where an event is in the log: decides sampling when no key field is given, so every destination samples alike. */
export interface EventPosition {
  partition: number;
  offset: bigint;
  index: number;
}

export type CompiledProcessor = (event: EventObject, position: EventPosition) => ProcessorVerdict;

export class ProcessorFailure extends Error {}

/** Strings longer than this are not parsed or searched by a processor's regex (bounds its cost per event). */
export const REGEX_INPUT_CHARS_MAX = 65_536;

const CARD_NUMBER = /\b(?:\d[ -]?){12,18}\d\b/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const KEY_VALUE = /([A-Za-z0-9_.:-]+)=("(?:[^"\\]|\\.)*"|\S*)/g;

/** Luhn's check: a digit run that fails it is an order number, not a card. */
function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** FNV-1a, 32 bits: fast, stable across processes and versions, good enough to spread keys. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function compileProcessor(spec: ProcessorSpec, index: number): CompiledProcessor {
  const name = `pipeline[${index}] (${spec.type})`;
  switch (spec.type) {
    case 'parse': {
      const field = splitPath(spec.field);
      const target = spec.target ? splitPath(spec.target) : field;
      const regex = spec.pattern ? new RegExp(spec.pattern) : null;
      return (event) => {
        const raw = getPath(event, field);
        if (raw === undefined) return 'keep';
        if (typeof raw !== 'string') throw new ProcessorFailure(`${name}: ${spec.field} must be a string to parse, got ${typeof raw}`);
        setPath(event, target, parseString(raw, spec.format, regex, name, spec.field));
        return 'keep';
      };
    }
    case 'set': {
      const field = splitPath(spec.field);
      if (spec.from !== undefined) {
        const from = splitPath(spec.from);
        return (event) => {
          const v = getPath(event, from);
          if (v !== undefined) setPath(event, field, structuredClone(v));
          return 'keep';
        };
      }
      const value = spec.value;
      return (event) => {
        setPath(event, field, structuredClone(value));
        return 'keep';
      };
    }
    case 'rename': {
      const from = splitPath(spec.from);
      const to = splitPath(spec.to);
      return (event) => {
        const v = deletePath(event, from);
        if (v !== undefined) setPath(event, to, v);
        return 'keep';
      };
    }
    case 'drop_fields': {
      const paths = spec.fields.map(splitPath);
      return (event) => {
        for (const p of paths) deletePath(event, p);
        return 'keep';
      };
    }
    case 'mask':
      return compileMask(spec);
    case 'filter': {
      const matches = compileCondition(spec.drop_when);
      return (event) => (matches(event) ? 'drop_filter' : 'keep');
    }
    case 'sample': {
      const applies = spec.when ? compileCondition(spec.when) : () => true;
      const key = spec.key_field ? splitPath(spec.key_field) : null;
      const rate = spec.rate;
      return (event, position) => {
        if (rate === 1 || !applies(event)) return 'keep';
        let basis: string;
        if (key) {
          const v = getPath(event, key);
          basis = `k:${typeof v === 'string' ? v : JSON.stringify(v ?? null)}`;
        } else basis = `p:${position.partition}:${position.offset}:${position.index}`;
        return fnv1a(basis) % rate === 0 ? 'keep' : 'drop_sample';
      };
    }
  }
}

function parseString(raw: string, format: 'json' | 'key_value' | 'regex', regex: RegExp | null, name: string, field: string): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(raw);
    } catch (err) {
      throw new ProcessorFailure(`${name}: ${field} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (raw.length > REGEX_INPUT_CHARS_MAX) throw new ProcessorFailure(`${name}: ${field} is longer than ${REGEX_INPUT_CHARS_MAX} characters`);
  if (format === 'key_value') {
    const out: EventObject = {};
    for (const m of raw.matchAll(KEY_VALUE)) {
      const v = m[2];
      out[m[1]] = v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
    }
    return out;
  }
  const m = regex!.exec(raw);
  if (!m) throw new ProcessorFailure(`${name}: ${field} does not match the pattern`);
  const out: EventObject = {};
  for (const [k, v] of Object.entries(m.groups ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

function compileMask(spec: Extract<ProcessorSpec, { type: 'mask' }>): CompiledProcessor {
  const replacement = (text: string): string =>
    spec.with === 'hash' ? createHash('sha256').update(spec.salt ?? '').update(text).digest('hex').slice(0, 16) : (spec.mask ?? '****');
  let inString: ((s: string) => string) | null = null;
  if (spec.pattern !== undefined) {
    const re = spec.pattern === 'card_number' ? CARD_NUMBER : spec.pattern === 'email' ? EMAIL : new RegExp(spec.pattern, 'g');
    const cardsOnly = spec.pattern === 'card_number';
    inString = (s) => {
      if (s.length > REGEX_INPUT_CHARS_MAX) return replacement(s);
      return s.replace(re, (match) => (cardsOnly && !luhn(match.replace(/[ -]/g, '')) ? match : replacement(match)));
    };
  }
  const field = spec.field ? splitPath(spec.field) : null;
  return (event) => {
    if (field === null) {
      for (const [k, v] of Object.entries(event)) event[k] = mapStrings(v, inString!);
      return 'keep';
    }
    const v = getPath(event, field);
    if (v === undefined) return 'keep';
    if (inString === null) setPath(event, field, replacement(typeof v === 'string' ? v : JSON.stringify(v)));
    else setPath(event, field, typeof v === 'number' ? inString(String(v)) : mapStrings(v, inString));
    return 'keep';
  };
}

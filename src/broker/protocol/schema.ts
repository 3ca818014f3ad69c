// Messages are described once, as data, the way Apache Kafka's
// clients/src/main/resources/common/message/*.json do it: each field names the
// versions it exists in, whether it is nullable, and (flexible versions) its tag.
// One generic codec below reads and writes every message at every version, so a
// version difference is one `versions` string, not a hand-written branch.

import { MalformedFrameError, WireReader, WireWriter } from './wire';

export type Primitive =
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'float64'
  | 'bool'
  | 'string'
  | 'bytes'
  | 'records'
  | 'uuid';

export interface FieldSpec {
  name: string;
  /** A primitive, or a nested struct given as its fields. */
  type: Primitive | FieldSpec[];
  /** `true` for `[]type` in the Kafka JSON. */
  array?: boolean;
  /** "0+", "3-5", "none" — the versions the field is present in. */
  versions: string;
  nullableVersions?: string;
  /** Tagged fields (flexible versions only): tag number and the versions it is tagged in. */
  tag?: number;
  taggedVersions?: string;
  /** Value used when the field is absent at a version (decode) or omitted by the caller (encode). */
  default?: unknown;
}

export interface MessageSpec {
  apiKey: number;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: FieldSpec[];
}

export interface VersionRange {
  min: number;
  max: number;
}

const rangeCache = new Map<string, VersionRange>();

export function parseVersions(spec: string | undefined): VersionRange {
  if (spec === undefined || spec === 'none' || spec === '') return { min: 1, max: 0 };
  let r = rangeCache.get(spec);
  if (r) return r;
  if (spec.endsWith('+')) r = { min: Number(spec.slice(0, -1)), max: Number.MAX_SAFE_INTEGER };
  else if (spec.includes('-')) {
    const [a, b] = spec.split('-').map(Number);
    r = { min: a, max: b };
  } else r = { min: Number(spec), max: Number(spec) };
  rangeCache.set(spec, r);
  return r;
}

export function inVersions(spec: string | undefined, version: number): boolean {
  const r = parseVersions(spec);
  return version >= r.min && version <= r.max;
}

export type Message = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function zeroValue(field: FieldSpec): unknown {
  if (field.default !== undefined) return field.default;
  if (field.array) return [];
  if (Array.isArray(field.type)) return defaults(field.type);
  switch (field.type) {
    case 'int64':
      return 0n;
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'bytes':
    case 'records':
      return null;
    case 'uuid':
      return Buffer.alloc(16);
    default:
      return 0;
  }
}

function defaults(fields: FieldSpec[]): Message {
  const out: Message = {};
  for (const f of fields) out[f.name] = zeroValue(f);
  return out;
}

function isTagged(field: FieldSpec, version: number): boolean {
  return field.tag !== undefined && inVersions(field.taggedVersions, version);
}

function readPrimitive(r: WireReader, type: Primitive, nullable: boolean, flexible: boolean): unknown {
  switch (type) {
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'bool':
      return r.bool();
    case 'uuid':
      return r.uuid();
    case 'string': {
      const s = flexible ? r.compactNullableString() : r.nullableString();
      if (s === null && !nullable) throw new MalformedFrameError('null in a non-nullable string');
      return s;
    }
    case 'bytes':
    case 'records': {
      const b = flexible ? r.compactNullableBytes() : r.nullableBytes();
      if (b === null && !nullable && type === 'bytes') throw new MalformedFrameError('null in non-nullable bytes');
      return b;
    }
  }
}

function writePrimitive(w: WireWriter, type: Primitive, value: unknown, flexible: boolean): void {
  switch (type) {
    case 'int8':
      w.int8(Number(value));
      return;
    case 'int16':
      w.int16(Number(value));
      return;
    case 'uint16':
      w.uint16(Number(value));
      return;
    case 'int32':
      w.int32(Number(value));
      return;
    case 'uint32':
      w.uint32(Number(value));
      return;
    case 'int64':
      w.int64(typeof value === 'bigint' ? value : BigInt(value as number));
      return;
    case 'float64':
      w.float64(Number(value));
      return;
    case 'bool':
      w.bool(Boolean(value));
      return;
    case 'uuid':
      w.raw((value as Buffer) ?? Buffer.alloc(16));
      return;
    case 'string':
      if (flexible) w.compactNullableString(value as string | null);
      else w.nullableString(value as string | null);
      return;
    case 'bytes':
    case 'records':
      if (flexible) w.compactNullableBytes(value as Buffer | null);
      else w.nullableBytes(value as Buffer | null);
      return;
  }
}

function readValue(r: WireReader, field: FieldSpec, version: number, flexible: boolean): unknown {
  const nullable = inVersions(field.nullableVersions, version);
  const readOne = (): unknown =>
    Array.isArray(field.type)
      ? readStruct(r, field.type, version, flexible)
      : readPrimitive(r, field.type, nullable, flexible);
  if (!field.array) return readOne();
  const len = r.arrayLength(flexible);
  if (len === -1) {
    if (!nullable) throw new MalformedFrameError(`null array in ${field.name}`);
    return null;
  }
  const out = new Array(len);
  for (let i = 0; i < len; i++) out[i] = readOne();
  return out;
}

function writeValue(w: WireWriter, field: FieldSpec, value: unknown, version: number, flexible: boolean): void {
  // A field that is not nullable at this version never goes out as null (-1): the
  // reader above (and every Kafka client) rejects that. Omitted bytes, whose zero
  // value is null, become empty; so do stray nulls in strings and arrays.
  if ((value === null || value === undefined) && !inVersions(field.nullableVersions, version)) {
    if (field.array) value = [];
    else if (field.type === 'bytes') value = Buffer.alloc(0);
    else if (field.type === 'string') value = '';
  }
  const writeOne = (v: unknown): void => {
    if (Array.isArray(field.type)) writeStruct(w, field.type, (v ?? {}) as Message, version, flexible);
    else writePrimitive(w, field.type, v, flexible);
  };
  if (!field.array) return writeOne(value);
  if (value === null || value === undefined) {
    w.arrayLength(-1, flexible);
    return;
  }
  const arr = value as unknown[];
  w.arrayLength(arr.length, flexible);
  for (const v of arr) writeOne(v);
}

function readStruct(r: WireReader, fields: FieldSpec[], version: number, flexible: boolean): Message {
  const out: Message = {};
  for (const field of fields) {
    if (!inVersions(field.versions, version) || (flexible && isTagged(field, version))) {
      out[field.name] = zeroValue(field);
      continue;
    }
    out[field.name] = readValue(r, field, version, flexible);
  }
  if (flexible) readTaggedFields(r, fields, version, out);
  return out;
}

function readTaggedFields(r: WireReader, fields: FieldSpec[], version: number, out: Message): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    const body = r.raw(size);
    const field = fields.find((f) => f.tag === tag && isTagged(f, version));
    // Unknown tags are skipped: that is the point of tagged fields.
    if (field) out[field.name] = readValue(new WireReader(body), field, version, true);
  }
}

function writeStruct(w: WireWriter, fields: FieldSpec[], value: Message, version: number, flexible: boolean): void {
  const tagged: FieldSpec[] = [];
  for (const field of fields) {
    if (!inVersions(field.versions, version)) continue;
    if (flexible && isTagged(field, version)) {
      const v = value[field.name];
      if (v !== undefined && v !== null && v !== field.default) tagged.push(field);
      continue;
    }
    const v = value[field.name];
    writeValue(w, field, v === undefined ? zeroValue(field) : v, version, flexible);
  }
  if (!flexible) return;
  tagged.sort((a, b) => (a.tag as number) - (b.tag as number));
  w.uvarint(tagged.length);
  for (const field of tagged) {
    const inner = new WireWriter(32);
    writeValue(inner, field, value[field.name], version, true);
    const bytes = inner.toBuffer();
    w.uvarint(field.tag as number).uvarint(bytes.length).raw(bytes);
  }
}

export function isFlexible(spec: MessageSpec, version: number): boolean {
  return inVersions(spec.flexibleVersions, version);
}

export function decodeMessage(spec: MessageSpec, version: number, r: WireReader): Message {
  return readStruct(r, spec.fields, version, isFlexible(spec, version));
}

export function encodeMessage(spec: MessageSpec, version: number, value: Message, w: WireWriter): void {
  writeStruct(w, spec.fields, value, version, isFlexible(spec, version));
}

/** Terse builders for message specs: `field('throttle_time_ms', 'int32', '1+')`. */
export function field(name: string, type: Primitive | FieldSpec[], versions: string, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { name, type, versions, ...extra };
}
export function array(name: string, type: Primitive | FieldSpec[], versions: string, extra: Partial<FieldSpec> = {}): FieldSpec {
  return { name, type, versions, array: true, ...extra };
}

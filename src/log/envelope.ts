// What every record read from the log looks like to a consumer, whatever its topic:
// position, key, value, headers, timestamp. Each domain decodes its own payloads
// from this (src/collections/vector-record.ts, src/index-sessions/session-record.ts,
// and later sinks, streams, tasks); decoding never throws on a record a direct
// producer got wrong, it returns a DecodeFailure with a reason from the catalog.

import type { IngestErrorReason } from '../common/errors';

export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

export interface ConsumedRecord {
  partition: number;
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, HeaderValue>;
  timestampMs: number;
}

/** Why a record cannot be materialized; filed into ingest_errors as is. */
export interface DecodeFailure {
  reason: IngestErrorReason;
  message: string;
}

export function isDecodeFailure<T>(r: T | DecodeFailure): r is DecodeFailure {
  return typeof r === 'object' && r !== null && 'reason' in r && typeof (r as DecodeFailure).reason === 'string' && 'message' in r;
}

/** A header as text (the last value when repeated), or null when absent. */
export function headerString(headers: ConsumedRecord['headers'], name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

/** All headers as text, for the ingest_errors row; null when there are none. */
export function stringHeaders(headers: ConsumedRecord['headers']): Record<string, string> | null {
  const out: Record<string, string> = {};
  let any = false;
  for (const name of Object.keys(headers)) {
    const v = headerString(headers, name);
    if (v === null) continue;
    out[name] = v;
    any = true;
  }
  return any ? out : null;
}

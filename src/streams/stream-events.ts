// Seed 003's events as they arrive: one JSON object, a JSON array of them, or NDJSON
// (one per line), 1 MB on the whole body. Each event is {timestamp?, source, event,
// metadata?}; a bad one is described in the seed's words, prefixed with its index
// in a batch. What passes is kept as the bytes received (an NDJSON line, the body
// of a single event) so the log holds what the client sent.

import { InvalidFormatError } from '../common/errors';

/** Seed 003: "Max payload size: 1 MB" — 1 MB taken as 1,048,576 bytes, on the whole body. */
export const STREAM_BODY_BYTES_MAX = 1024 * 1024;
/** A stream record holds up to a whole 1 MB request plus its framing: above Kafka's 1 MiB default batch size. */
export const STREAM_TOPIC_MESSAGE_BYTES_MAX = 2 * 1024 * 1024;
/** Events in one batch request (the byte limit is reached first for any real event). */
export const EVENTS_PER_REQUEST_MAX = 10_000;
export const SOURCE_CHARS_MAX = 256;

/** ISO 8601 date-time: a date, `T`, hours and minutes, optional seconds and fraction, optional zone. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Runs on every event: the regex, then the calendar by arithmetic (no Date object). */
export function isIso8601(value: string): boolean {
  const m = ISO_8601.exec(value);
  if (!m) return false;
  const year = +m[1], month = +m[2], day = +m[3], hour = +m[4], minute = +m[5], second = m[6] === undefined ? 0 : +m[6];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day >= 1 && day <= (month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1]);
}

export interface AcceptedEvent {
  /** The event as received (compact JSON for an element of a JSON array). */
  text: string;
  source: string;
}

export interface ParsedBody {
  events: AcceptedEvent[];
  rejected: { index: number; detail: string }[];
  /** True for an array or NDJSON body (the answer then reports counts). */
  batch: boolean;
}

const object = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The seed's 400 detail for one event, or null when it is valid. */
export function eventProblem(value: unknown): string | null {
  if (!object(value)) return 'The event must be a JSON object.';
  if (value.timestamp !== undefined && (typeof value.timestamp !== 'string' || !isIso8601(value.timestamp))) {
    return "The 'timestamp' field must be a valid ISO 8601 string.";
  }
  if (value.source === undefined || value.source === null) return "The 'source' field is required.";
  if (typeof value.source !== 'string' || value.source.length === 0 || value.source.length > SOURCE_CHARS_MAX) {
    return `The 'source' field must be a non-empty string of at most ${SOURCE_CHARS_MAX} characters.`;
  }
  if (value.event === undefined || value.event === null) return "The 'event' field is required.";
  if (!object(value.event)) return "The 'event' field must be a JSON object of key-value pairs.";
  if (value.metadata !== undefined && value.metadata !== null && !object(value.metadata)) return "The 'metadata' field must be a JSON object.";
  return null;
}

const invalid = (detail: string): InvalidFormatError => new InvalidFormatError(400, detail);

/** Parses and checks a body; throws the seed's 400 when the body as a whole is unusable. */
export function parseEventsBody(text: string | undefined, mediaType: 'json' | 'ndjson'): ParsedBody {
  const body = text ?? '';
  const bytes = Buffer.byteLength(body);
  if (bytes > STREAM_BODY_BYTES_MAX) {
    throw invalid(`The payload exceeds the maximum size of 1 MB (${STREAM_BODY_BYTES_MAX} bytes): it has ${bytes} bytes.`);
  }
  if (body.trim() === '') throw invalid('The request body is empty: send a JSON event.');
  const values: { value: unknown; text: string }[] = [];
  let batch: boolean;
  if (mediaType === 'ndjson') {
    batch = true;
    let index = 0;
    for (const line of body.split('\n')) {
      const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (trimmed.trim() === '') continue;
      try {
        values.push({ value: JSON.parse(trimmed), text: trimmed });
      } catch (err) {
        throw invalid(`events[${index}]: Invalid JSON: ${(err as Error).message}`);
      }
      index++;
    }
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw invalid(`Invalid JSON: ${(err as Error).message}`);
    }
    batch = Array.isArray(parsed);
    if (Array.isArray(parsed)) for (const v of parsed) values.push({ value: v, text: JSON.stringify(v) });
    else values.push({ value: parsed, text: body });
  }
  if (values.length === 0) throw invalid('The batch holds no events.');
  if (values.length > EVENTS_PER_REQUEST_MAX) throw invalid(`A batch may hold at most ${EVENTS_PER_REQUEST_MAX} events, got ${values.length}.`);
  const events: AcceptedEvent[] = [];
  const rejected: { index: number; detail: string }[] = [];
  for (const [index, v] of values.entries()) {
    const problem = eventProblem(v.value);
    if (problem) rejected.push({ index, detail: batch ? `events[${index}]: ${problem}` : problem });
    else events.push({ text: v.text, source: (v.value as { source: string }).source });
  }
  return { events, rejected, batch };
}

/** `text`: the event as it is in the record (a Buffer is made only when it is filed as an error). */
export type RecordEvent = { text: string; value: Record<string, unknown> } | { text: string; error: string };

/**
 * The events of one log record: one JSON object, or NDJSON lines (a micro-batch
 * appended as received). A line that is not a valid event fails alone, with its
 * reason; the others go on. Records written by other Kafka producers are checked
 * here as the HTTP path checks them.
 */
export function eventsOfRecord(value: Buffer): RecordEvent[] {
  const text = value.toString('utf8');
  const firstBreak = text.indexOf('\n');
  // One JSON document (possibly pretty-printed over several lines) or NDJSON: a document that parses whole is one event.
  if (firstBreak < 0 || firstBreak === text.length - 1 || !isCompleteLine(text.slice(0, firstBreak))) {
    try {
      return [checked(JSON.parse(text), text)];
    } catch {
      // not one document: read it as NDJSON
    }
  }
  const out: RecordEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(checked(JSON.parse(line), line));
    } catch (err) {
      out.push({ text: line, error: `is not valid JSON: ${(err as Error).message}` });
    }
  }
  return out;
}

/** A first line that is a whole JSON object on its own means NDJSON (a pretty-printed document's first line is `{`). */
function isCompleteLine(line: string): boolean {
  const t = line.trim();
  return t.length > 1 && t.startsWith('{') && t.endsWith('}');
}

function checked(value: unknown, text: string): RecordEvent {
  const problem = eventProblem(value);
  return problem ? { text, error: problem } : { text, value: value as Record<string, unknown> };
}

// The format of a sink's topic `intake.sink.<id>` (docs/sinks.md, "The topic"). Two
// kinds of Kafka message, told apart by one header:
//   one record   key = the row id, value = the record's value object as JSON. What a
//                Kafka producer writes, what replay re-appends, and what the HTTP path
//                writes when a request has a single record for a partition.
//   a batch      header `intake-batch: <n>`, value = `{"records": [{"value": …}, …]}`
//                (the body of POST /v2/sinks/{id}) holding n records that all map to
//                the message's partition, key = the first record's id. The HTTP path
//                writes one per partition per request: per-message costs (produce
//                encoding, CRC, fetch decoding, a Buffer per record) are paid once per
//                batch instead of once per record, which is what bounded ingest.
// A batch message is applied record by record, in order; a record of it that cannot
// become a row is filed in ingest_errors on its own, with part `records[i]`, its own
// id as key and its own value as payload, so /errors and replay see one record.

import { IngestErrorReason } from '../common/errors';
import type { AppendRecord } from '../log/appender';
import { ConsumedRecord, DecodeFailure, headerString } from '../log/envelope';
import { partitionForKey } from '../log/partitioner';

/** Marks a batch message; its value is the count of records it holds. */
export const BATCH_HEADER = 'intake-batch';
/**
 * A batch message's value stays under this many UTF-16 characters, so under 768 KiB of
 * UTF-8 (the broker takes 1 MiB per partition per produce), unless one record alone is bigger.
 */
export const BATCH_VALUE_CHARS_MAX = 256 * 1024;
/** `{"value":` and `}` and a comma around each record in a batch; `{"records":[` and `]}` around them all. */
const MEMBER_OVERHEAD_CHARS = 11;
const BATCH_OVERHEAD_CHARS = 14;

/** A record accepted by the HTTP path: its row id (the key) and its value as JSON text. */
export interface AcceptedRecord {
  key: string;
  json: string;
}

/**
 * The appends for accepted records, in order per partition: a partition's records go in
 * batch messages of at most BATCH_VALUE_CHARS_MAX characters (a lone record stays a
 * plain one-record message).
 */
export function toAppends(topic: string, partitions: number, records: AcceptedRecord[]): AppendRecord[] {
  const byPartition = new Map<number, AcceptedRecord[]>();
  for (const r of records) {
    const p = partitionForKey(topic, r.key, partitions);
    const list = byPartition.get(p);
    if (list) list.push(r);
    else byPartition.set(p, [r]);
  }
  const appends: AppendRecord[] = [];
  for (const [partition, list] of byPartition) {
    let start = 0;
    while (start < list.length) {
      let chars = BATCH_OVERHEAD_CHARS;
      let end = start;
      while (end < list.length && (end === start || chars + list[end].json.length + MEMBER_OVERHEAD_CHARS <= BATCH_VALUE_CHARS_MAX)) {
        chars += list[end].json.length + MEMBER_OVERHEAD_CHARS;
        end++;
      }
      appends.push(end - start === 1 ? one(partition, list[start]) : batch(partition, list.slice(start, end)));
      start = end;
    }
  }
  return appends;
}

function one(partition: number, r: AcceptedRecord): AppendRecord {
  return { key: r.key, value: Buffer.from(r.json), partition };
}

function batch(partition: number, list: AcceptedRecord[]): AppendRecord {
  let body = '{"records":[';
  for (let i = 0; i < list.length; i++) body += `${i === 0 ? '' : ','}{"value":${list[i].json}}`;
  body += ']}';
  return { key: list[0].key, value: Buffer.from(body), partition, headers: { [BATCH_HEADER]: String(list.length) } };
}

/** A message of the topic, parsed: one record value, or a batch's record values (each still unchecked). */
export type SinkMessage = { values: unknown[]; batch: boolean };

/** Parses a message; a batch whose shape is wrong fails as a whole (nothing in it can be trusted). */
export function parseSinkMessage(record: ConsumedRecord): SinkMessage | DecodeFailure {
  if (record.value === null) return { reason: IngestErrorReason.INVALID_RECORD, message: 'value: a sink record needs a JSON object value (tombstones are not supported)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.toString('utf8'));
  } catch (err) {
    return { reason: IngestErrorReason.MALFORMED_JSON, message: `value: is not valid JSON: ${(err as Error).message}` };
  }
  const count = headerString(record.headers, BATCH_HEADER);
  if (count === null) return { values: [parsed], batch: false };
  const records = (parsed as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) {
    return { reason: IngestErrorReason.INVALID_RECORD, message: `value.records: a message with header ${BATCH_HEADER} must hold {"records": [{"value": …}, …]}` };
  }
  if (count !== String(records.length)) {
    return { reason: IngestErrorReason.INVALID_RECORD, message: `${BATCH_HEADER}: header says '${count}' records, value.records holds ${records.length}` };
  }
  return { values: records, batch: true };
}

/** A batch member's value, or why it is not of the shape `{"value": …}`. */
export function memberValue(member: unknown, index: number): { value: unknown } | { problem: string } {
  if (typeof member === 'object' && member !== null && !Array.isArray(member) && 'value' in member) return { value: (member as { value: unknown }).value };
  return { problem: `records[${index}]: must be an object {"value": {…}}` };
}

/** The part name of a batch's record i in ingest_errors. */
export function memberPart(index: number): string {
  return `records[${index}]`;
}

/**
 * What ingest_errors keeps of a batch's record: the batch's position and headers
 * (without the batch header), the record's own id and payload (its value, or the
 * member itself when it has no value), so /errors shows one record and replay
 * re-appends it as a one-record message.
 */
export function memberRecord(message: ConsumedRecord, key: string | null, payload: unknown): Pick<ConsumedRecord, 'offset' | 'key' | 'value' | 'headers'> {
  const headers = { ...message.headers };
  delete headers[BATCH_HEADER];
  const json = payload === undefined ? undefined : JSON.stringify(payload);
  return { offset: message.offset, key: key === null ? null : Buffer.from(key), value: json === undefined ? null : Buffer.from(json), headers };
}

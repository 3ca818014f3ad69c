// The binary batch format of POST /ingest/batch (seed 001): rows of
//   32 bytes  external id, ASCII, null-padded
//   dim × 4   float32 little-endian
// parsed from a stream in bounded memory. Every row is checked; the first bad
// one stops the parse with the row number and the reason.

import { Metric, vectorRuleViolation } from '../collections/shard-index';

export const ID_BYTES = 32;

export class BinaryRowError extends Error {
  constructor(
    readonly row: number,
    readonly rule: string,
  ) {
    super(`row ${row}: ${rule}`);
    this.name = 'BinaryRowError';
  }
}

export function rowBytes(dimension: number): number {
  return ID_BYTES + dimension * 4;
}

/**
 * Validates one row in place and returns its id. `scratch` (dimension floats) is
 * reused across rows so the index's vector rules run without an allocation per row.
 */
export function checkRow(buf: Buffer, at: number, dimension: number, metric: Metric, rowNumber: number, scratch = new Float32Array(dimension)): string {
  let idLength = 0;
  while (idLength < ID_BYTES && buf[at + idLength] !== 0) idLength++;
  if (idLength === 0) throw new BinaryRowError(rowNumber, 'the external id is empty');
  for (let i = 0; i < idLength; i++) {
    const c = buf[at + i];
    if (c < 0x20 || c > 0x7e) throw new BinaryRowError(rowNumber, `the external id has a non-printable-ASCII byte 0x${c.toString(16)} at ${i}`);
  }
  for (let i = idLength; i < ID_BYTES; i++) {
    if (buf[at + i] !== 0) throw new BinaryRowError(rowNumber, 'the external id is not null-padded (bytes after the first NUL)');
  }
  const values = at + ID_BYTES;
  for (let j = 0; j < dimension; j++) scratch[j] = buf.readFloatLE(values + j * 4);
  const violation = vectorRuleViolation(scratch, metric);
  if (violation) {
    const what = violation.component === undefined ? 'the vector' : `component ${violation.component} (${scratch[violation.component]})`;
    throw new BinaryRowError(rowNumber, `${what} ${violation.rule}`);
  }
  return buf.toString('latin1', at, at + idLength);
}

/**
 * Reads rows from `chunks` (any chunking), checking each, and hands out whole
 * validated rows in runs. Throws BinaryRowError on the first bad row or on a
 * trailing partial row.
 */
export async function* readRows(
  chunks: AsyncIterable<Buffer>,
  dimension: number,
  metric: Metric,
): AsyncGenerator<{ bytes: Buffer; ids: string[] }> {
  const size = rowBytes(dimension);
  const scratch = new Float32Array(dimension);
  let carry: Buffer = Buffer.alloc(0);
  let rowNumber = 0;
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const whole = Math.floor(buf.length / size);
    const ids: string[] = [];
    for (let r = 0; r < whole; r++) ids.push(checkRow(buf, r * size, dimension, metric, rowNumber++, scratch));
    if (whole > 0) yield { bytes: buf.subarray(0, whole * size), ids };
    carry = Buffer.from(buf.subarray(whole * size));
  }
  if (carry.length > 0) {
    throw new BinaryRowError(
      rowNumber,
      `body length ${total} is not a multiple of the row size ${size} (32-byte id + ${dimension} × float32)`,
    );
  }
}

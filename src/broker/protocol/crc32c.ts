// CRC-32C (Castagnoli), the checksum Kafka record batches v2 carry. It runs over every
// produced byte, so it uses slicing-by-8: eight 256-entry tables let the loop fold
// eight input bytes per step instead of one, with no per-byte table dependency chain.

const POLYNOMIAL_REVERSED = 0x82f63b78;
const TABLE_COUNT = 8;

// One flat Int32Array (table k at k * 256) keeps every lookup a plain typed-array read.
const TABLES = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(TABLE_COUNT * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL_REVERSED : c >>> 1;
    t[n] = c;
  }
  // Table k advances a byte's contribution by k further zero bytes.
  for (let k = 1; k < TABLE_COUNT; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
}

/** CRC-32C of buf[start, end), as an unsigned 32-bit number. */
export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  if (start < 0 || end > buf.length || start > end) {
    throw new RangeError(`crc32c range [${start}, ${end}) outside buffer of ${buf.length}`);
  }
  const t = TABLES;
  let crc = -1;
  let i = start;
  const fastEnd = start + ((end - start) & ~7);
  while (i < fastEnd) {
    const lo = crc ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    crc =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + buf[i + 4]] ^
      t[512 + buf[i + 5]] ^
      t[256 + buf[i + 6]] ^
      t[buf[i + 7]];
    i += 8;
  }
  while (i < end) {
    crc = (crc >>> 8) ^ t[(crc ^ buf[i]) & 0xff];
    i++;
  }
  return ~crc >>> 0;
}

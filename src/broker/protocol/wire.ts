// Kafka wire primitives: big-endian fixed ints, zig-zag varints (record fields),
// unsigned varints (flexible-version lengths and tags), and the string/bytes encodings.
// Every read is bounds-checked and throws MalformedFrameError, so a hostile frame
// can only fail its own request, never read past the buffer or crash the server.

export class MalformedFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedFrameError';
  }
}

export class WireReader {
  offset = 0;
  constructor(readonly buf: Buffer, offset = 0) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number): number {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new MalformedFrameError(`need ${n} bytes at ${this.offset}, frame has ${this.buf.length}`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  bool(): boolean {
    return this.int8() !== 0;
  }
  raw(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
  uuid(): Buffer {
    return this.raw(16);
  }

  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.buf.readUInt8(this.need(1));
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
    throw new MalformedFrameError('unsigned varint longer than 5 bytes');
  }
  varint(): number {
    const u = this.uvarint();
    // zig-zag decode without 32-bit overflow surprises
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.buf.readUInt8(this.need(1));
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    throw new MalformedFrameError('varlong longer than 10 bytes');
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new MalformedFrameError('null in a non-nullable string');
    return s;
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < -1) throw new MalformedFrameError(`string length ${len}`);
    return this.raw(len).toString('utf8');
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    if (len === -1) return null;
    return this.raw(len).toString('utf8');
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < -1) throw new MalformedFrameError(`bytes length ${len}`);
    return this.raw(len);
  }
  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1;
    if (len === -1) return null;
    return this.raw(len);
  }
  /** Array length: int32 (classic) or uvarint+1 (compact); -1 means null. */
  arrayLength(compact: boolean): number {
    const len = compact ? this.uvarint() - 1 : this.int32();
    if (len < -1) throw new MalformedFrameError(`array length ${len}`);
    // Each element takes at least one byte; reject lengths the frame cannot hold.
    if (len > this.remaining) throw new MalformedFrameError(`array length ${len} exceeds frame`);
    return len;
  }
}

export class WireWriter {
  private buf: Buffer;
  length = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  // Grows (replacing this.buf) and returns the write offset. Callers must call it
  // before touching this.buf: `this.buf.writeX(v, this.ensure(n))` would write into
  // the old buffer, because `this.buf` is evaluated before the argument.
  private ensure(n: number): number {
    if (this.length + n > this.buf.length) {
      let size = Math.max(this.buf.length * 2, 64); // a 0-byte start must still grow
      while (size < this.length + n) size *= 2;
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  int8(v: number): this {
    const at = this.ensure(1);
    this.buf.writeInt8(v, at);
    return this;
  }
  int16(v: number): this {
    const at = this.ensure(2);
    this.buf.writeInt16BE(v, at);
    return this;
  }
  uint16(v: number): this {
    const at = this.ensure(2);
    this.buf.writeUInt16BE(v, at);
    return this;
  }
  int32(v: number): this {
    const at = this.ensure(4);
    this.buf.writeInt32BE(v, at);
    return this;
  }
  uint32(v: number): this {
    const at = this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }
  int64(v: bigint): this {
    const at = this.ensure(8);
    this.buf.writeBigInt64BE(v, at);
    return this;
  }
  float64(v: number): this {
    const at = this.ensure(8);
    this.buf.writeDoubleBE(v, at);
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  raw(b: Buffer): this {
    const at = this.ensure(b.length);
    b.copy(this.buf, at);
    return this;
  }
  uvarint(v: number): this {
    let n = v;
    while (n >= 0x80) {
      const at = this.ensure(1);
      this.buf.writeUInt8((n & 0x7f) | 0x80, at);
      n = Math.floor(n / 128);
    }
    const at = this.ensure(1);
    this.buf.writeUInt8(n, at);
    return this;
  }
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  varlong(v: bigint): this {
    let n = (v << 1n) ^ (v >> 63n);
    n = BigInt.asUintN(64, n);
    while (n >= 0x80n) {
      const at = this.ensure(1);
      this.buf.writeUInt8(Number(n & 0x7fn) | 0x80, at);
      n >>= 7n;
    }
    const at = this.ensure(1);
    this.buf.writeUInt8(Number(n), at);
    return this;
  }
  nullableString(s: string | null | undefined): this {
    if (s === null || s === undefined) return this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    return this.int16(b.length).raw(b);
  }
  compactNullableString(s: string | null | undefined): this {
    if (s === null || s === undefined) return this.uvarint(0);
    const b = Buffer.from(s, 'utf8');
    return this.uvarint(b.length + 1).raw(b);
  }
  nullableBytes(b: Buffer | null | undefined): this {
    if (b === null || b === undefined) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }
  compactNullableBytes(b: Buffer | null | undefined): this {
    if (b === null || b === undefined) return this.uvarint(0);
    return this.uvarint(b.length + 1).raw(b);
  }
  arrayLength(len: number, compact: boolean): this {
    return compact ? this.uvarint(len + 1) : this.int32(len);
  }

  /** Reserve 4 bytes now and fill them later (frame sizes). */
  reserveInt32(): number {
    return this.ensure(4);
  }
  patchInt32(at: number, v: number): void {
    this.buf.writeInt32BE(v, at);
  }

  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

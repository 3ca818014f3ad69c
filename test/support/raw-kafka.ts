// A minimal Kafka wire client for tests that must send what no real client would:
// replayed idempotent batches, malformed frames, unknown API keys.
import * as net from 'node:net';
import { MESSAGES } from '../../src/broker/protocol/messages';
import { Message, decodeMessage, encodeMessage, isFlexible } from '../../src/broker/protocol/schema';
import { WireReader, WireWriter } from '../../src/broker/protocol/wire';

export class RawKafkaConnection {
  private buffered = Buffer.alloc(0);
  private waiters: ((frame: Buffer) => void)[] = [];
  private correlationId = 1;
  closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      while (this.buffered.length >= 4) {
        const size = this.buffered.readInt32BE(0);
        if (this.buffered.length < 4 + size) break;
        const frame = this.buffered.subarray(4, 4 + size);
        this.buffered = this.buffered.subarray(4 + size);
        this.waiters.shift()?.(frame);
      }
    });
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawKafkaConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RawKafkaConnection(socket)));
      socket.once('error', reject);
    });
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves with the next response frame, or null if the connection closes first. */
  nextFrame(timeoutMs = 5000): Promise<Buffer | null> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(null);
      const timer = setTimeout(() => resolve(null), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(null);
      });
      this.waiters.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  frameFor(apiKey: number, version: number, body: Message): Buffer {
    const spec = MESSAGES[apiKey];
    const w = new WireWriter();
    const sizeAt = w.reserveInt32();
    w.int16(apiKey).int16(version).int32(this.correlationId++).nullableString('raw-test');
    if (isFlexible(spec.request, version)) w.uvarint(0);
    encodeMessage(spec.request, version, body, w);
    w.patchInt32(sizeAt, w.length - 4);
    return w.toBuffer();
  }

  async request(apiKey: number, version: number, body: Message): Promise<Message> {
    const reply = this.nextFrame();
    this.writeRaw(this.frameFor(apiKey, version, body));
    const frame = await reply;
    if (!frame) throw new Error('connection closed before the response');
    const spec = MESSAGES[apiKey];
    const r = new WireReader(frame);
    r.int32(); // correlation id
    if (isFlexible(spec.response, version) && apiKey !== 18) r.uvarint();
    return decodeMessage(spec.response, version, r);
  }

  close(): void {
    this.socket.destroy();
  }
}

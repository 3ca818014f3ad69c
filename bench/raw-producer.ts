// A minimal pipelined Produce client: pre-encoded request frames go out over a few
// connections with several requests in flight on each, and responses are only parsed
// for their error codes. No client-side record encoding happens while it runs, so its
// throughput is what the broker itself can take in.

import * as net from 'node:net';
import { MESSAGES } from '../src/broker/protocol/messages';
import { decodeMessage, encodeMessage } from '../src/broker/protocol/schema';
import { WireReader, WireWriter } from '../src/broker/protocol/wire';

const PRODUCE_KEY = 0;
const PRODUCE_VERSION = 7;
/** size(4) + api_key(2) + api_version(2): where the correlation id sits in a frame. */
const CORRELATION_ID_AT = 8;

/**
 * One Produce v7 request frame (size prefix included) carrying `batches` for one
 * partition each. Its correlation id is patched in by the sender.
 */
export function buildProduceFrame(
  topic: string,
  partitions: { index: number; records: Buffer }[],
  acks: number,
  timeoutMs = 30_000,
  clientId = 'bench-raw',
): Buffer {
  const w = new WireWriter(64 + partitions.reduce((n, p) => n + p.records.length + 16, 0));
  const sizeAt = w.reserveInt32();
  w.int16(PRODUCE_KEY).int16(PRODUCE_VERSION).int32(0).nullableString(clientId);
  encodeMessage(
    MESSAGES[PRODUCE_KEY].request,
    PRODUCE_VERSION,
    {
      transactional_id: null,
      acks,
      timeout_ms: timeoutMs,
      topic_data: [{ name: topic, partition_data: partitions }],
    },
    w,
  );
  w.patchInt32(sizeAt, w.length - 4);
  // Copy out of the writer's oversized backing store so each frame owns exactly its bytes.
  return Buffer.from(w.toBuffer());
}

/** One connection with responses matched to requests in order (Kafka answers in order). */
class PipelinedConnection {
  private readonly waiting: ((frame: Buffer) => void)[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  private correlationId = 1;
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('connection closed with requests in flight')));
  }

  static connect(host: string, port: number): Promise<PipelinedConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.off('error', reject);
        resolve(new PipelinedConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  send(frame: Buffer): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    frame.writeInt32BE(this.correlationId++, CORRELATION_ID_AT);
    const reply = new Promise<Buffer>((resolve) => this.waiting.push(resolve));
    this.socket.write(frame);
    return reply;
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (this.buffered < 4) return;
      if (this.chunks.length > 1 && this.chunks[0].length < 4) this.compact();
      const size = this.chunks[0].readInt32BE(0);
      if (this.buffered < 4 + size) return;
      if (this.chunks[0].length < 4 + size) this.compact();
      const head = this.chunks[0];
      const frame = head.subarray(4, 4 + size);
      const rest = head.subarray(4 + size);
      this.buffered -= 4 + size;
      if (rest.length > 0) this.chunks[0] = rest;
      else this.chunks.shift();
      this.waiting.shift()?.(frame);
    }
  }

  private compact(): void {
    this.chunks = [Buffer.concat(this.chunks, this.buffered)];
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    if (this.waiting.length > 0) {
      // Surface the failure through the sender's loop rather than leaving it hanging.
      const empty = Buffer.alloc(0);
      for (const w of this.waiting.splice(0)) w(empty);
    }
  }

  get error(): Error | null {
    return this.failure;
  }

  close(): void {
    this.socket.removeAllListeners('close');
    this.socket.destroy();
  }
}

export interface RawProduceResult {
  requests: number;
  seconds: number;
}

/**
 * Sends every frame once, spread over `connections` sockets with up to
 * `inFlightPerConnection` unanswered requests on each, and checks every response.
 */
export async function runRawProduce(opts: {
  host: string;
  port: number;
  frames: Buffer[];
  connections: number;
  inFlightPerConnection: number;
}): Promise<RawProduceResult> {
  const conns = await Promise.all(Array.from({ length: opts.connections }, () => PipelinedConnection.connect(opts.host, opts.port)));
  const spec = MESSAGES[PRODUCE_KEY].response;
  let next = 0;
  let done = 0;
  const start = process.hrtime.bigint();

  const check = (frame: Buffer, conn: PipelinedConnection): void => {
    if (frame.length === 0) throw conn.error ?? new Error('empty response');
    const r = new WireReader(frame);
    r.int32(); // correlation id
    const resp = decodeMessage(spec, PRODUCE_VERSION, r);
    for (const t of resp.responses) {
      for (const p of t.partition_responses) {
        if (p.error_code !== 0) throw new Error(`produce to ${t.name}/${p.index} failed with error code ${p.error_code}`);
      }
    }
  };

  // Each lane keeps one request outstanding; inFlightPerConnection lanes share a socket.
  const lane = async (conn: PipelinedConnection): Promise<void> => {
    while (next < opts.frames.length) {
      const frame = opts.frames[next++];
      check(await conn.send(frame), conn);
      done++;
    }
  };
  try {
    const lanes: Promise<void>[] = [];
    for (const c of conns) for (let i = 0; i < opts.inFlightPerConnection; i++) lanes.push(lane(c));
    await Promise.all(lanes);
  } finally {
    for (const c of conns) c.close();
  }
  return { requests: done, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

// The TCP edge of the broker: frames requests (int32 size prefix), decodes the
// request header, dispatches to the handler of that API key, and writes responses
// back in request order — Kafka clients rely on per-connection ordering. Requests
// on one connection are handled concurrently (a long-polling Fetch does not stall
// a Produce behind it in the handler), but answered in order.
//
// A request this broker cannot serve (an unknown API key, or a version outside a
// handler's range) closes the connection once the responses before it are written,
// as Apache Kafka does (its request parsing throws and the processor closes the
// channel). ApiVersions is the exception (KIP-511): a too-new one is answered in v0.
//
// SASL (sasl.ts): each connection has a SaslSession. Until it is settled (authenticated,
// or SASL optional and never begun) requests are handled one at a time, in order, so a
// request sent right behind SaslAuthenticate is judged by the outcome of that
// authentication (Kafka mutes the channel while authenticating), and frames are capped at
// saslReceiveBytesMax. A request the session refuses closes the connection; a failed
// authentication closes it once its answer is written.

import * as net from 'node:net';
import { BrokerOptions } from './config';
import { ErrorCode } from './protocol/errors';
import { MESSAGES } from './protocol/messages';
import { Message, MessageSpec, decodeMessage, encodeMessage, isFlexible } from './protocol/schema';
import { MalformedFrameError, WireReader, WireWriter } from './protocol/wire';
import { ApiHandler, RequestContext } from './apis/handler';
import { SaslSession, isSaslApiKey } from './sasl';

export interface BrokerLogger {
  info(msg: string): void;
  warn(msg: string): void;
}

const API_VERSIONS_KEY = 18;
/** apiKey(2) + apiVersion(2) + correlationId(4): anything shorter is not a request. */
const REQUEST_HEADER_BYTES_MIN = 8;

interface PendingResponse {
  done: boolean;
  frame: Buffer | null;
  /** Set when the connection must close once the responses before this one (and `frame`, if any) are written. */
  closeReason: string | null;
}

interface Answer {
  frame: Buffer | null;
  closeReason: string | null;
}

/** One client connection as the request path sees it. */
interface Connection {
  id: number;
  clientHost: string;
  sasl: SaslSession;
  /** Frames handled one after another while the session is unsettled; settles when they are done. */
  sequence: Promise<void>;
  sequenced: number;
}

/** A raw SASL token answer (after a v0 SaslHandshake): size-prefixed, empty for PLAIN. */
const EMPTY_SASL_TOKEN_FRAME = Buffer.alloc(4);

/** A request Apache Kafka would not answer: the connection is closed after earlier responses. */
class UnservedRequestError extends Error {}

export class BrokerServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly handlers = new Map<number, ApiHandler>();
  private nextConnectionId = 1;

  constructor(
    private readonly options: BrokerOptions,
    handlers: ApiHandler[],
    private readonly contextFor: (connectionId: number, clientHost: string) => Omit<RequestContext, 'version' | 'clientId' | 'sasl'>,
    private readonly logger: BrokerLogger,
  ) {
    for (const h of handlers) this.handlers.set(h.apiKey, h);
    this.server = net.createServer((socket) => this.onConnection(socket));
    this.server.maxConnections = options.connectionsMax;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** The versions served per API key, as ApiVersions advertises them. */
  supportedVersions(): { api_key: number; min_version: number; max_version: number }[] {
    return [...this.handlers.values()]
      .sort((a, b) => a.apiKey - b.apiKey)
      .map((h) => ({ api_key: h.apiKey, min_version: h.minVersion, max_version: h.maxVersion }));
  }

  private onConnection(socket: net.Socket): void {
    const connectionId = this.nextConnectionId++;
    const clientHost = socket.remoteAddress ?? 'unknown';
    const connection: Connection = {
      id: connectionId,
      clientHost,
      sasl: new SaslSession(this.options.sasl ?? null, (m) => this.logger.warn(m), clientHost),
      sequence: Promise.resolve(),
      sequenced: 0,
    };
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    let buffered = 0;
    const pending: PendingResponse[] = [];
    let closed = false;

    const fail = (why: string): void => {
      if (closed) return;
      closed = true;
      this.logger.warn(`broker: closing connection ${connectionId} from ${clientHost}: ${why}`);
      socket.destroy();
    };

    const flush = (): void => {
      while (pending.length > 0 && pending[0].done) {
        const head = pending.shift() as PendingResponse;
        if (head.frame && !closed) socket.write(head.frame);
        if (head.closeReason !== null) {
          if (closed) return;
          closed = true;
          this.logger.warn(`broker: closing connection ${connectionId} from ${clientHost}: ${head.closeReason}`);
          socket.end(); // after the responses already written
          return;
        }
      }
      if (pending.length < this.options.inFlightRequestsPerConnectionMax && socket.isPaused()) socket.resume();
    };

    const onFrame = (frame: Buffer): void => {
      const slot: PendingResponse = { done: false, frame: null, closeReason: null };
      pending.push(slot);
      if (pending.length >= this.options.inFlightRequestsPerConnectionMax) socket.pause();
      this.dispatch(frame, connection).then(
        (answer) => {
          slot.done = true;
          slot.frame = answer.frame;
          slot.closeReason = answer.closeReason;
          flush();
        },
        (err: unknown) => {
          slot.done = true;
          if (err instanceof UnservedRequestError) {
            slot.closeReason = err.message;
            flush();
            return;
          }
          fail(err instanceof Error ? err.message : String(err));
        },
      );
    };

    socket.on('data', (data: Buffer) => {
      if (closed) return;
      chunks.push(data);
      buffered += data.length;
      while (buffered >= 4) {
        // Only the 4-byte size prefix is needed to decide; a large frame's chunks are
        // joined once, when it is complete, not once per arriving chunk.
        if (chunks[0].length < 4) {
          const joined = Buffer.concat(chunks, buffered);
          chunks.length = 0;
          chunks.push(joined);
        }
        const size = chunks[0].readInt32BE(0);
        const sizeMax = connection.sasl.settled ? this.options.requestBytesMax : this.options.saslReceiveBytesMax;
        // A raw SASL token (after a v0 handshake) has no request header, so no lower bound.
        const sizeMin = connection.sasl.state === 'raw-token' ? 0 : REQUEST_HEADER_BYTES_MIN;
        if (size < sizeMin || size > sizeMax) {
          fail(`request size ${size} outside [${sizeMin}, ${sizeMax}]${connection.sasl.settled ? '' : ' before SASL authentication'}`);
          return;
        }
        if (buffered < 4 + size) return;
        const head = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, buffered);
        const frame = head.subarray(4, 4 + size);
        const rest = head.subarray(4 + size);
        chunks.length = 0;
        buffered = rest.length;
        if (rest.length > 0) chunks.push(rest);
        onFrame(frame);
        if (closed) return;
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      this.sockets.delete(socket);
    });
  }

  /**
   * Handles the frame at once when the connection's session is settled; otherwise after
   * every frame before it, so each is gated on the authentication state those left.
   * A SASL request always goes through the sequence: what follows it waits for its outcome.
   */
  private dispatch(frame: Buffer, connection: Connection): Promise<Answer> {
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
    if (connection.sequenced === 0 && connection.sasl.settled && !isSaslApiKey(apiKey)) return this.handleFrame(frame, connection);
    connection.sequenced++;
    const answer = connection.sequence.then(() => this.handleFrame(frame, connection));
    connection.sequence = answer.then(
      () => void connection.sequenced--,
      () => void connection.sequenced--,
    );
    return answer;
  }

  /** The response frame (null when the request wants none: Produce acks=0), and whether to close after it. */
  private async handleFrame(frame: Buffer, connection: Connection): Promise<Answer> {
    const { sasl } = connection;
    if (sasl.state === 'raw-token') {
      // After a v0 SaslHandshake the frame is the token itself; a refusal closes without an answer.
      const result = await sasl.authenticate(frame);
      if (!result.ok) throw new UnservedRequestError(sasl.failure ?? result.errorMessage);
      if (result.reply.length === 0) return { frame: EMPTY_SASL_TOKEN_FRAME, closeReason: null };
      const reply = Buffer.alloc(4 + result.reply.length);
      reply.writeInt32BE(result.reply.length, 0);
      result.reply.copy(reply, 4);
      return { frame: reply, closeReason: null };
    }
    const r = new WireReader(frame);
    const apiKey = r.int16();
    const version = r.int16();
    const correlationId = r.int32();
    const clientId = r.nullableString();
    const handler = this.handlers.get(apiKey);
    const specs = MESSAGES[apiKey];

    if (!handler || !specs) throw new UnservedRequestError(`unsupported API key ${apiKey} (v${version})`);
    if (version < handler.minVersion || version > handler.maxVersion) {
      // An ApiVersions request newer than ours is answered in v0 so the client can
      // learn our range and retry (KIP-511); any other API at a version we do not
      // serve closes the connection, as Kafka does.
      if (apiKey === API_VERSIONS_KEY) {
        const frame = this.encodeResponse(specs.response, 0, correlationId, false, {
          error_code: ErrorCode.UNSUPPORTED_VERSION,
          api_keys: this.supportedVersions(),
        });
        return { frame, closeReason: null };
      }
      throw new UnservedRequestError(`unsupported version ${version} of API key ${apiKey} (served: ${handler.minVersion}-${handler.maxVersion})`);
    }

    const refusal = sasl.refusal(apiKey);
    if (refusal !== null) throw new UnservedRequestError(refusal);

    const flexible = isFlexible(specs.request, version);
    if (flexible) skipTaggedFields(r);
    let request: Message;
    try {
      request = decodeMessage(specs.request, version, r);
    } catch (err) {
      if (err instanceof MalformedFrameError) throw new Error(`malformed ${specs.request.name} v${version}: ${err.message}`);
      throw err;
    }
    const context: RequestContext = { ...this.contextFor(connection.id, connection.clientHost), version, clientId: clientId ?? '', sasl };
    const response = await handler.handle(request, context);
    // A failed SASL step is answered, then the connection closes.
    const closeReason = sasl.state === 'failed' ? sasl.failure : null;
    if (response === null) return { frame: null, closeReason };
    // ApiVersions responses always use header v0, even when the body is flexible.
    const flexibleHeader = flexible && apiKey !== API_VERSIONS_KEY;
    return { frame: this.encodeResponse(specs.response, version, correlationId, flexibleHeader, response), closeReason };
  }

  private encodeResponse(
    spec: MessageSpec,
    version: number,
    correlationId: number,
    flexibleHeader: boolean,
    body: Message,
  ): Buffer {
    const w = new WireWriter(1024);
    const sizeAt = w.reserveInt32();
    w.int32(correlationId);
    if (flexibleHeader) w.uvarint(0);
    encodeMessage(spec, version, body, w);
    w.patchInt32(sizeAt, w.length - 4);
    return w.toBuffer();
  }
}

function skipTaggedFields(r: WireReader): void {
  const count = r.uvarint();
  for (let i = 0; i < count; i++) {
    r.uvarint();
    r.raw(r.uvarint());
  }
}


// Closing the HTTP server without waiting on clients that are not waiting on us.
//
// Node's server.close() (and Fastify's close, which calls it and
// closeIdleConnections) ends only connections that finished a request and sit
// idle in keep-alive. A connection that has not sent a complete request yet — a
// browser's or a client pool's pre-opened socket, a half-sent request — is neither
// idle nor busy to Node, and Fastify's close waits for it until the client hangs
// up: the process stays up after "draining consumers and stopping" for as long as
// such a client keeps the socket (tens of seconds for a browser, for ever for a
// silent one). Node applies no timeout to it (Fastify sets requestTimeout 0).
//
// So: once stopping has begun, a connection with no request in flight is closed
// at once, as is every later one; a request in flight is answered and then its
// connection closed; and in-flight requests get at most HTTP_DRAIN_MS_MAX before
// their connections are cut, so a slow upload cannot hold the stop either.

import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * How long requests already in flight get to finish once stopping has begun. Writes
 * answer within moments once the consumers stop (their apply waits end); what is
 * left after this is a stalled or very long upload, which was never acknowledged
 * and can be sent again. Short enough that a stop stays well under 10 s.
 */
export const HTTP_DRAIN_MS_MAX = 5_000;

export interface HttpConnections {
  /** Stop serving: close idle and not-yet-used connections now, the rest when their request ends or the drain time runs out. */
  beginClose(): void;
  /** Connections open now (for tests and logs). */
  readonly open: number;
}

export function trackHttpConnections(server: Server, drainMsMax = HTTP_DRAIN_MS_MAX): HttpConnections {
  /** Requests in flight per open connection. */
  const inFlight = new Map<Socket, number>();
  let closing = false;

  server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      if (!inFlight.has(socket)) return;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.destroySoon();
    });
  });

  return {
    beginClose() {
      if (closing) return;
      closing = true;
      for (const [socket, n] of inFlight) if (n === 0) socket.destroy();
      if (inFlight.size === 0) return;
      const deadline = setTimeout(() => {
        for (const socket of inFlight.keys()) socket.destroy();
      }, drainMsMax);
      deadline.unref();
    },
    get open() {
      return inFlight.size;
    },
  };
}

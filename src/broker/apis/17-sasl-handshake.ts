// SaslHandshake (key 17), versions 0-1. Mechanisms enabled: PLAIN (when the broker has SASL),
// and SCRAM-SHA-256 / SCRAM-SHA-512 when the embedding application supplies SCRAM credentials.
// v0: the client then sends the raw SASL token as the next frame (see server.ts / sasl.ts).
// v1: the client then sends SaslAuthenticate requests (kafkajs and librdkafka use v1).
// An unsupported mechanism is answered with UNSUPPORTED_SASL_MECHANISM and the enabled
// list, then the connection closes, as Kafka's SaslServerAuthenticator does. A handshake
// after a successful authentication is ILLEGAL_SASL_STATE (no re-authentication, KIP-368).
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const saslHandshake: ApiHandler = {
  apiKey: 17,
  minVersion: 0,
  maxVersion: 1,
  handle(request, { sasl, version }) {
    if (sasl.state === 'authenticated') return { error_code: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: sasl.mechanisms };
    const accepted = sasl.handshake(request.mechanism as string, version);
    return { error_code: accepted ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: sasl.mechanisms };
  },
};

// SaslAuthenticate (key 36), versions 0-2. Follows a SaslHandshake v1; carries the PLAIN
// token (`authzid NUL username NUL password`) in auth_bytes, or one SCRAM message each way
// (two requests: client-first → server-first, client-final → server-final; sasl-scram.ts).
// v0: error_code, error_message, auth_bytes. v1: session_lifetime_ms (always 0 here: no
// re-authentication, KIP-368). v2: flexible.
// A refused token is answered with SASL_AUTHENTICATION_FAILED and Kafka's message, then the
// connection closes (server.ts). After a successful authentication another SaslAuthenticate
// is ILLEGAL_SASL_STATE, as Kafka's KafkaApis answers it.
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const saslAuthenticate: ApiHandler = {
  apiKey: 36,
  minVersion: 0,
  maxVersion: 2,
  async handle(request, { sasl }) {
    const answer = (error_code: number, error_message: string | null, auth_bytes: Buffer = Buffer.alloc(0)) => ({
      error_code,
      error_message,
      auth_bytes,
      session_lifetime_ms: 0n,
    });
    if (sasl.state === 'authenticated') {
      return answer(ErrorCode.ILLEGAL_SASL_STATE, 'SaslAuthenticate request received after successful authentication');
    }
    const result = await sasl.authenticate((request.auth_bytes as Buffer | null) ?? Buffer.alloc(0));
    return result.ok ? answer(ErrorCode.NONE, null, result.reply) : answer(ErrorCode.SASL_AUTHENTICATION_FAILED, result.errorMessage);
  },
};

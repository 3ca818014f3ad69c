// ApiVersions (key 18), versions 0-3.
// v0: error_code + api_keys. v1: adds throttle_time_ms. v2: same as v1.
// v3: flexible body (KIP-511: client_software_name/version, which we accept and ignore);
//     the response header stays v0, as Kafka requires so old clients can parse it.
// Not implemented: supported_features / finalized_features tagged fields (we send none).
// A request above v3 is answered in v0 with UNSUPPORTED_VERSION by the server (see server.ts).
import { ErrorCode } from '../protocol/errors';
import { ApiHandler } from './handler';

export const apiVersions: ApiHandler = {
  apiKey: 18,
  minVersion: 0,
  maxVersion: 3,
  handle(_request, context) {
    return { error_code: ErrorCode.NONE, api_keys: context.supportedVersions(), throttle_time_ms: 0 };
  },
};

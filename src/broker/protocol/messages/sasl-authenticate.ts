// SaslAuthenticate (key 36). Field facts from Apache Kafka's SaslAuthenticateRequest.json /
// SaslAuthenticateResponse.json (versions 0-2; v2 is the first flexible one).
import { MessageSpec, field } from '../schema';

export const SaslAuthenticateRequest: MessageSpec = {
  apiKey: 36,
  name: 'SaslAuthenticateRequest',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [field('auth_bytes', 'bytes', '0+')],
};

export const SaslAuthenticateResponse: MessageSpec = {
  apiKey: 36,
  name: 'SaslAuthenticateResponse',
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: [
    field('error_code', 'int16', '0+'),
    field('error_message', 'string', '0+', { nullableVersions: '0+', default: null }),
    field('auth_bytes', 'bytes', '0+'),
    field('session_lifetime_ms', 'int64', '1+', { default: 0n }),
  ],
};

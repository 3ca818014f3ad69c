// SaslHandshake (key 17). Field facts from Apache Kafka's SaslHandshakeRequest.json /
// SaslHandshakeResponse.json (versions 0-1, never flexible).
import { MessageSpec, array, field } from '../schema';

export const SaslHandshakeRequest: MessageSpec = {
  apiKey: 17,
  name: 'SaslHandshakeRequest',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [field('mechanism', 'string', '0+')],
};

export const SaslHandshakeResponse: MessageSpec = {
  apiKey: 17,
  name: 'SaslHandshakeResponse',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    field('error_code', 'int16', '0+'),
    array('mechanisms', 'string', '0+'),
  ],
};

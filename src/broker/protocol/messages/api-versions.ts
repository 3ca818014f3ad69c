// ApiVersions (key 18). Field facts from Apache Kafka's ApiVersionsRequest.json /
// ApiVersionsResponse.json, trimmed to the versions this broker serves (0-3).
import { MessageSpec, array, field } from '../schema';

export const ApiVersionsRequest: MessageSpec = {
  apiKey: 18,
  name: 'ApiVersionsRequest',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    field('client_software_name', 'string', '3+'),
    field('client_software_version', 'string', '3+'),
  ],
};

export const ApiVersionsResponse: MessageSpec = {
  apiKey: 18,
  name: 'ApiVersionsResponse',
  validVersions: '0-3',
  flexibleVersions: '3+',
  fields: [
    field('error_code', 'int16', '0+'),
    array('api_keys', [
      field('api_key', 'int16', '0+'),
      field('min_version', 'int16', '0+'),
      field('max_version', 'int16', '0+'),
    ], '0+'),
    field('throttle_time_ms', 'int32', '1+'),
    // Tagged fields (supported_features, finalized_features...) are optional; we send none.
  ],
};

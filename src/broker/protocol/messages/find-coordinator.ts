// FindCoordinator (key 10). Field facts from Apache Kafka's FindCoordinatorRequest.json /
// FindCoordinatorResponse.json, trimmed to the versions this broker serves (0-2).
import { MessageSpec, field } from '../schema';

export const FindCoordinatorRequest: MessageSpec = {
  apiKey: 10,
  name: 'FindCoordinatorRequest',
  validVersions: '0-2',
  flexibleVersions: '3+',
  fields: [
    // group id (key_type 0) or transactional id (key_type 1)
    field('key', 'string', '0-3'),
    field('key_type', 'int8', '1+', { default: 0 }),
  ],
};

export const FindCoordinatorResponse: MessageSpec = {
  apiKey: 10,
  name: 'FindCoordinatorResponse',
  validVersions: '0-2',
  flexibleVersions: '3+',
  fields: [
    field('throttle_time_ms', 'int32', '1+'),
    field('error_code', 'int16', '0-3'),
    field('error_message', 'string', '1-3', { nullableVersions: '1-3' }),
    field('node_id', 'int32', '0-3'),
    field('host', 'string', '0-3'),
    field('port', 'int32', '0-3'),
  ],
};

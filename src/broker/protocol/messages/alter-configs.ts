// AlterConfigs (key 33). Field facts from Apache Kafka's AlterConfigsRequest.json /
// AlterConfigsResponse.json, trimmed to the versions this broker serves (0-1).
import { MessageSpec, array, field } from '../schema';

export const AlterConfigsRequest: MessageSpec = {
  apiKey: 33,
  name: 'AlterConfigsRequest',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    array('resources', [
      field('resource_type', 'int8', '0+'),
      field('resource_name', 'string', '0+'),
      array('configs', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
      ], '0+'),
    ], '0+'),
    field('validate_only', 'bool', '0+'),
  ],
};

export const AlterConfigsResponse: MessageSpec = {
  apiKey: 33,
  name: 'AlterConfigsResponse',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('responses', [
      field('error_code', 'int16', '0+'),
      field('error_message', 'string', '0+', { nullableVersions: '0+' }),
      field('resource_type', 'int8', '0+'),
      field('resource_name', 'string', '0+'),
    ], '0+'),
  ],
};

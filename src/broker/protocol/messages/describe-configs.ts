// DescribeConfigs (key 32). Field facts from Apache Kafka's DescribeConfigsRequest.json /
// DescribeConfigsResponse.json, trimmed to the versions this broker serves (0-3).
import { MessageSpec, array, field } from '../schema';

export const DescribeConfigsRequest: MessageSpec = {
  apiKey: 32,
  name: 'DescribeConfigsRequest',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    array('resources', [
      // 2 = topic, 4 = broker, 8 = broker logger
      field('resource_type', 'int8', '0+'),
      field('resource_name', 'string', '0+'),
      // null = every key
      array('configuration_keys', 'string', '0+', { nullableVersions: '0+' }),
    ], '0+'),
    field('include_synonyms', 'bool', '1+', { default: false }),
    field('include_documentation', 'bool', '3+', { default: false }),
  ],
};

export const DescribeConfigsResponse: MessageSpec = {
  apiKey: 32,
  name: 'DescribeConfigsResponse',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('results', [
      field('error_code', 'int16', '0+'),
      field('error_message', 'string', '0+', { nullableVersions: '0+' }),
      field('resource_type', 'int8', '0+'),
      field('resource_name', 'string', '0+'),
      array('configs', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
        field('read_only', 'bool', '0+'),
        field('is_default', 'bool', '0'),
        // 1 dynamic topic config, 4 static broker config, 5 default config
        field('config_source', 'int8', '1+', { default: -1 }),
        field('is_sensitive', 'bool', '0+'),
        array('synonyms', [
          field('name', 'string', '1+'),
          field('value', 'string', '1+', { nullableVersions: '0+' }),
          field('source', 'int8', '1+'),
        ], '1+'),
        // 1 BOOLEAN, 2 STRING, 3 INT, 4 SHORT, 5 LONG, 6 DOUBLE, 7 LIST, 8 CLASS, 9 PASSWORD
        field('config_type', 'int8', '3+', { default: 0 }),
        field('documentation', 'string', '3+', { nullableVersions: '0+', default: null }),
      ], '0+'),
    ], '0+'),
  ],
};

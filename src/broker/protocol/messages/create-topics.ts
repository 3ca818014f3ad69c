// CreateTopics (key 19). Field facts from Apache Kafka's CreateTopicsRequest.json /
// CreateTopicsResponse.json, trimmed to the versions this broker serves (0-4).
import { MessageSpec, array, field } from '../schema';

export const CreateTopicsRequest: MessageSpec = {
  apiKey: 19,
  name: 'CreateTopicsRequest',
  validVersions: '0-4',
  flexibleVersions: '5+',
  fields: [
    array('topics', [
      field('name', 'string', '0+'),
      // -1 = broker default (only when assignments is empty)
      field('num_partitions', 'int32', '0+'),
      field('replication_factor', 'int16', '0+'),
      // explicit replica placement; empty when num_partitions is given
      array('assignments', [
        field('partition_index', 'int32', '0+'),
        array('broker_ids', 'int32', '0+'),
      ], '0+'),
      array('configs', [
        field('name', 'string', '0+'),
        field('value', 'string', '0+', { nullableVersions: '0+' }),
      ], '0+'),
    ], '0+'),
    field('timeout_ms', 'int32', '0+', { default: 60000 }),
    field('validate_only', 'bool', '1+', { default: false }),
  ],
};

export const CreateTopicsResponse: MessageSpec = {
  apiKey: 19,
  name: 'CreateTopicsResponse',
  validVersions: '0-4',
  flexibleVersions: '5+',
  fields: [
    field('throttle_time_ms', 'int32', '2+'),
    array('topics', [
      field('name', 'string', '0+'),
      field('error_code', 'int16', '0+'),
      // present from v1; nullableVersions really is "0+" in the Kafka spec
      field('error_message', 'string', '1+', { nullableVersions: '0+' }),
    ], '0+'),
  ],
};

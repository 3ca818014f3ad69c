// CreatePartitions (key 37). Field facts from Apache Kafka's CreatePartitionsRequest.json /
// CreatePartitionsResponse.json, trimmed to the versions this broker serves (0-1).
import { MessageSpec, array, field } from '../schema';

export const CreatePartitionsRequest: MessageSpec = {
  apiKey: 37,
  name: 'CreatePartitionsRequest',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    array('topics', [
      field('name', 'string', '0+'),
      // the new total partition count
      field('count', 'int32', '0+'),
      // one entry per new partition, or null for broker placement
      array('assignments', [array('broker_ids', 'int32', '0+')], '0+', { nullableVersions: '0+' }),
    ], '0+'),
    field('timeout_ms', 'int32', '0+'),
    field('validate_only', 'bool', '0+'),
  ],
};

export const CreatePartitionsResponse: MessageSpec = {
  apiKey: 37,
  name: 'CreatePartitionsResponse',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('results', [
      field('name', 'string', '0+'),
      field('error_code', 'int16', '0+'),
      field('error_message', 'string', '0+', { nullableVersions: '0+', default: null }),
    ], '0+'),
  ],
};

// Produce (key 0). Field facts from Apache Kafka's ProduceRequest.json /
// ProduceResponse.json, trimmed to the versions this broker serves (3-7).
import { MessageSpec, array, field } from '../schema';

export const ProduceRequest: MessageSpec = {
  apiKey: 0,
  name: 'ProduceRequest',
  validVersions: '3-7',
  flexibleVersions: '9+',
  fields: [
    // null unless the producer is transactional
    field('transactional_id', 'string', '3+', { nullableVersions: '3+', default: null }),
    field('acks', 'int16', '0+'),
    field('timeout_ms', 'int32', '0+'),
    array('topic_data', [
      field('name', 'string', '0+'),
      array('partition_data', [
        field('index', 'int32', '0+'),
        // one or more record batches, as raw bytes
        field('records', 'records', '0+', { nullableVersions: '0+' }),
      ], '0+'),
    ], '0+'),
  ],
};

export const ProduceResponse: MessageSpec = {
  apiKey: 0,
  name: 'ProduceResponse',
  validVersions: '3-7',
  flexibleVersions: '9+',
  fields: [
    array('responses', [
      field('name', 'string', '0+'),
      array('partition_responses', [
        field('index', 'int32', '0+'),
        field('error_code', 'int16', '0+'),
        field('base_offset', 'int64', '0+'),
        // -1 unless the topic uses LogAppendTime
        field('log_append_time_ms', 'int64', '2+', { default: -1n }),
        field('log_start_offset', 'int64', '5+', { default: -1n }),
      ], '0+'),
    ], '0+'),
    field('throttle_time_ms', 'int32', '1+', { default: 0 }),
  ],
};

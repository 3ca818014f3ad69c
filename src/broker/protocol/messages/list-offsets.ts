// ListOffsets (key 2). Field facts from Apache Kafka's ListOffsetsRequest.json /
// ListOffsetsResponse.json, trimmed to the versions this broker serves (0-3).
import { MessageSpec, array, field } from '../schema';

export const ListOffsetsRequest: MessageSpec = {
  apiKey: 2,
  name: 'ListOffsetsRequest',
  validVersions: '0-3',
  flexibleVersions: '6+',
  fields: [
    field('replica_id', 'int32', '0+'),
    field('isolation_level', 'int8', '2+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        // -1 = latest, -2 = earliest, otherwise a timestamp in ms
        field('timestamp', 'int64', '0+'),
        // v0 only: how many offsets (segment base offsets, newest first) to answer with
        field('max_num_offsets', 'int32', '0', { default: 1 }),
      ], '0+'),
    ], '0+'),
  ],
};

export const ListOffsetsResponse: MessageSpec = {
  apiKey: 2,
  name: 'ListOffsetsResponse',
  validVersions: '0-3',
  flexibleVersions: '6+',
  fields: [
    field('throttle_time_ms', 'int32', '2+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        field('error_code', 'int16', '0+'),
        array('old_style_offsets', 'int64', '0'),
        field('timestamp', 'int64', '1+', { default: -1n }),
        field('offset', 'int64', '1+', { default: -1n }),
      ], '0+'),
    ], '0+'),
  ],
};

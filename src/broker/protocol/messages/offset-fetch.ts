// OffsetFetch (key 9). Field facts from Apache Kafka's OffsetFetchRequest.json /
// OffsetFetchResponse.json, trimmed to the versions this broker serves (1-5).
// (The multi-group `groups` layout only starts at v8, so it is left out.)
import { MessageSpec, array, field } from '../schema';

export const OffsetFetchRequest: MessageSpec = {
  apiKey: 9,
  name: 'OffsetFetchRequest',
  validVersions: '1-5',
  flexibleVersions: '6+',
  fields: [
    field('group_id', 'string', '0-7'),
    // v2+: null = every partition the group has committed
    array('topics', [
      field('name', 'string', '0-7'),
      array('partition_indexes', 'int32', '0-7'),
    ], '0-7', { nullableVersions: '2-7' }),
  ],
};

export const OffsetFetchResponse: MessageSpec = {
  apiKey: 9,
  name: 'OffsetFetchResponse',
  validVersions: '1-5',
  flexibleVersions: '6+',
  fields: [
    field('throttle_time_ms', 'int32', '3+'),
    array('topics', [
      field('name', 'string', '0-7'),
      array('partitions', [
        field('partition_index', 'int32', '0-7'),
        // -1 when nothing is committed
        field('committed_offset', 'int64', '0-7'),
        field('committed_leader_epoch', 'int32', '5-7', { default: -1 }),
        field('metadata', 'string', '0-7', { nullableVersions: '0-7' }),
        field('error_code', 'int16', '0-7'),
      ], '0-7'),
    ], '0-7'),
    // group-level error
    field('error_code', 'int16', '2-7', { default: 0 }),
  ],
};

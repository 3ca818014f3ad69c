// Fetch (key 1). Field facts from Apache Kafka's FetchRequest.json /
// FetchResponse.json, trimmed to the versions this broker serves (4-11).
import { MessageSpec, array, field } from '../schema';

export const FetchRequest: MessageSpec = {
  apiKey: 1,
  name: 'FetchRequest',
  validVersions: '4-11',
  flexibleVersions: '12+',
  fields: [
    // -1 for consumers; a broker id for follower fetches
    field('replica_id', 'int32', '0-14', { default: -1 }),
    field('max_wait_ms', 'int32', '0+'),
    field('min_bytes', 'int32', '0+'),
    field('max_bytes', 'int32', '3+', { default: 0x7fffffff }),
    // 0 = read uncommitted, 1 = read committed
    field('isolation_level', 'int8', '4+', { default: 0 }),
    // incremental fetch sessions (KIP-227)
    field('session_id', 'int32', '7+', { default: 0 }),
    field('session_epoch', 'int32', '7+', { default: -1 }),
    array('topics', [
      field('topic', 'string', '0-12'),
      array('partitions', [
        field('partition', 'int32', '0+'),
        field('current_leader_epoch', 'int32', '9+', { default: -1 }),
        field('fetch_offset', 'int64', '0+'),
        // only meaningful for follower fetches
        field('log_start_offset', 'int64', '5+', { default: -1n }),
        field('partition_max_bytes', 'int32', '0+'),
      ], '0+'),
    ], '0+'),
    // partitions to drop from an incremental fetch session
    array('forgotten_topics_data', [
      field('topic', 'string', '7-12'),
      array('partitions', 'int32', '7+'),
    ], '7+'),
    field('rack_id', 'string', '11+', { default: '' }),
  ],
};

export const FetchResponse: MessageSpec = {
  apiKey: 1,
  name: 'FetchResponse',
  validVersions: '4-11',
  flexibleVersions: '12+',
  fields: [
    field('throttle_time_ms', 'int32', '1+'),
    // top-level error (fetch-session errors)
    field('error_code', 'int16', '7+'),
    field('session_id', 'int32', '7+', { default: 0 }),
    array('responses', [
      field('topic', 'string', '0-12'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        field('error_code', 'int16', '0+'),
        field('high_watermark', 'int64', '0+'),
        field('last_stable_offset', 'int64', '4+', { default: -1n }),
        field('log_start_offset', 'int64', '5+', { default: -1n }),
        array('aborted_transactions', [
          field('producer_id', 'int64', '4+'),
          field('first_offset', 'int64', '4+'),
        ], '4+', { nullableVersions: '4+' }),
        field('preferred_read_replica', 'int32', '11+', { default: -1 }),
        field('records', 'records', '0+', { nullableVersions: '0+' }),
      ], '0+'),
    ], '0+'),
  ],
};

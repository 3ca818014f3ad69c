// OffsetCommit (key 8). Field facts from Apache Kafka's OffsetCommitRequest.json /
// OffsetCommitResponse.json, trimmed to the versions this broker serves (2-7).
import { MessageSpec, array, field } from '../schema';

export const OffsetCommitRequest: MessageSpec = {
  apiKey: 8,
  name: 'OffsetCommitRequest',
  validVersions: '2-7',
  flexibleVersions: '8+',
  fields: [
    field('group_id', 'string', '0+'),
    // generation id for classic groups; -1 for simple (standalone) commits
    field('generation_id_or_member_epoch', 'int32', '1+', { default: -1 }),
    field('member_id', 'string', '1+'),
    field('group_instance_id', 'string', '7+', { nullableVersions: '7+', default: null }),
    // -1 = use the broker's retention
    field('retention_time_ms', 'int64', '2-4', { default: -1n }),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        field('committed_offset', 'int64', '0+'),
        field('committed_leader_epoch', 'int32', '6+', { default: -1 }),
        field('committed_metadata', 'string', '0+', { nullableVersions: '0+' }),
      ], '0+'),
    ], '0+'),
  ],
};

export const OffsetCommitResponse: MessageSpec = {
  apiKey: 8,
  name: 'OffsetCommitResponse',
  validVersions: '2-7',
  flexibleVersions: '8+',
  fields: [
    field('throttle_time_ms', 'int32', '3+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        field('error_code', 'int16', '0+'),
      ], '0+'),
    ], '0+'),
  ],
};

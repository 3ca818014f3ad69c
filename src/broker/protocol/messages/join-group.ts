// JoinGroup (key 11). Field facts from Apache Kafka's JoinGroupRequest.json /
// JoinGroupResponse.json, trimmed to the versions this broker serves (0-5).
import { MessageSpec, array, field } from '../schema';

export const JoinGroupRequest: MessageSpec = {
  apiKey: 11,
  name: 'JoinGroupRequest',
  validVersions: '0-5',
  flexibleVersions: '6+',
  fields: [
    field('group_id', 'string', '0+'),
    field('session_timeout_ms', 'int32', '0+'),
    // v0 has no separate rebalance timeout: the session timeout is used
    field('rebalance_timeout_ms', 'int32', '1+', { default: -1 }),
    // empty on first join
    field('member_id', 'string', '0+'),
    // static membership (KIP-345)
    field('group_instance_id', 'string', '5+', { nullableVersions: '5+', default: null }),
    field('protocol_type', 'string', '0+'),
    array('protocols', [
      field('name', 'string', '0+'),
      field('metadata', 'bytes', '0+'),
    ], '0+'),
  ],
};

export const JoinGroupResponse: MessageSpec = {
  apiKey: 11,
  name: 'JoinGroupResponse',
  validVersions: '0-5',
  flexibleVersions: '6+',
  fields: [
    field('throttle_time_ms', 'int32', '2+'),
    field('error_code', 'int16', '0+'),
    field('generation_id', 'int32', '0+', { default: -1 }),
    field('protocol_name', 'string', '0+', { nullableVersions: '7+' }),
    field('leader', 'string', '0+'),
    field('member_id', 'string', '0+'),
    // filled for the leader only
    array('members', [
      field('member_id', 'string', '0+'),
      field('group_instance_id', 'string', '5+', { nullableVersions: '5+', default: null }),
      field('metadata', 'bytes', '0+'),
    ], '0+'),
  ],
};

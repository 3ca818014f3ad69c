// LeaveGroup (key 13). Field facts from Apache Kafka's LeaveGroupRequest.json /
// LeaveGroupResponse.json, trimmed to the versions this broker serves (0-3).
import { MessageSpec, array, field } from '../schema';

export const LeaveGroupRequest: MessageSpec = {
  apiKey: 13,
  name: 'LeaveGroupRequest',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    field('group_id', 'string', '0+'),
    // v0-2: one member leaves
    field('member_id', 'string', '0-2'),
    // v3+: a batch of members leaves
    array('members', [
      field('member_id', 'string', '3+'),
      field('group_instance_id', 'string', '3+', { nullableVersions: '3+', default: null }),
    ], '3+'),
  ],
};

export const LeaveGroupResponse: MessageSpec = {
  apiKey: 13,
  name: 'LeaveGroupResponse',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    field('throttle_time_ms', 'int32', '1+'),
    field('error_code', 'int16', '0+'),
    array('members', [
      field('member_id', 'string', '3+'),
      field('group_instance_id', 'string', '3+', { nullableVersions: '3+' }),
      field('error_code', 'int16', '3+'),
    ], '3+'),
  ],
};

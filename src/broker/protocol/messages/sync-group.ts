// SyncGroup (key 14). Field facts from Apache Kafka's SyncGroupRequest.json /
// SyncGroupResponse.json, trimmed to the versions this broker serves (0-3).
import { MessageSpec, array, field } from '../schema';

export const SyncGroupRequest: MessageSpec = {
  apiKey: 14,
  name: 'SyncGroupRequest',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    field('group_id', 'string', '0+'),
    field('generation_id', 'int32', '0+'),
    field('member_id', 'string', '0+'),
    field('group_instance_id', 'string', '3+', { nullableVersions: '3+', default: null }),
    // sent by the leader only; followers send an empty array
    array('assignments', [
      field('member_id', 'string', '0+'),
      field('assignment', 'bytes', '0+'),
    ], '0+'),
  ],
};

export const SyncGroupResponse: MessageSpec = {
  apiKey: 14,
  name: 'SyncGroupResponse',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    field('throttle_time_ms', 'int32', '1+'),
    field('error_code', 'int16', '0+'),
    field('assignment', 'bytes', '0+'),
  ],
};

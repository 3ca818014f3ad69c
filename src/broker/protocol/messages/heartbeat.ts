// Heartbeat (key 12). Field facts from Apache Kafka's HeartbeatRequest.json /
// HeartbeatResponse.json, trimmed to the versions this broker serves (0-3).
import { MessageSpec, field } from '../schema';

export const HeartbeatRequest: MessageSpec = {
  apiKey: 12,
  name: 'HeartbeatRequest',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    field('group_id', 'string', '0+'),
    field('generation_id', 'int32', '0+'),
    field('member_id', 'string', '0+'),
    field('group_instance_id', 'string', '3+', { nullableVersions: '3+', default: null }),
  ],
};

export const HeartbeatResponse: MessageSpec = {
  apiKey: 12,
  name: 'HeartbeatResponse',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    field('throttle_time_ms', 'int32', '1+'),
    field('error_code', 'int16', '0+'),
  ],
};

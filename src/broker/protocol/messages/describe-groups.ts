// DescribeGroups (key 15). Field facts from Apache Kafka's DescribeGroupsRequest.json /
// DescribeGroupsResponse.json, trimmed to the versions this broker serves (0-4).
import { MessageSpec, array, field } from '../schema';

export const DescribeGroupsRequest: MessageSpec = {
  apiKey: 15,
  name: 'DescribeGroupsRequest',
  validVersions: '0-4',
  flexibleVersions: '5+',
  fields: [
    array('groups', 'string', '0+'),
    field('include_authorized_operations', 'bool', '3+'),
  ],
};

export const DescribeGroupsResponse: MessageSpec = {
  apiKey: 15,
  name: 'DescribeGroupsResponse',
  validVersions: '0-4',
  flexibleVersions: '5+',
  fields: [
    field('throttle_time_ms', 'int32', '1+'),
    array('groups', [
      field('error_code', 'int16', '0+'),
      field('group_id', 'string', '0+'),
      // e.g. Stable, PreparingRebalance, CompletingRebalance, Empty, Dead
      field('group_state', 'string', '0+'),
      field('protocol_type', 'string', '0+'),
      // the chosen assignor name when Stable
      field('protocol_data', 'string', '0+'),
      array('members', [
        field('member_id', 'string', '0+'),
        field('group_instance_id', 'string', '4+', { nullableVersions: '4+', default: null }),
        field('client_id', 'string', '0+'),
        field('client_host', 'string', '0+'),
        field('member_metadata', 'bytes', '0+'),
        field('member_assignment', 'bytes', '0+'),
      ], '0+'),
      // INT32_MIN = not requested
      field('authorized_operations', 'int32', '3+', { default: -2147483648 }),
    ], '0+'),
  ],
};

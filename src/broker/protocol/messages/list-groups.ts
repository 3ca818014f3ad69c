// ListGroups (key 16). Field facts from Apache Kafka's ListGroupsRequest.json /
// ListGroupsResponse.json, trimmed to the versions this broker serves (0-2).
import { MessageSpec, array, field } from '../schema';

export const ListGroupsRequest: MessageSpec = {
  apiKey: 16,
  name: 'ListGroupsRequest',
  validVersions: '0-2',
  flexibleVersions: '3+',
  // The state/type filters start at v4/v5: the body is empty in v0-2.
  fields: [],
};

export const ListGroupsResponse: MessageSpec = {
  apiKey: 16,
  name: 'ListGroupsResponse',
  validVersions: '0-2',
  flexibleVersions: '3+',
  fields: [
    field('throttle_time_ms', 'int32', '1+'),
    field('error_code', 'int16', '0+'),
    array('groups', [
      field('group_id', 'string', '0+'),
      field('protocol_type', 'string', '0+'),
    ], '0+'),
  ],
};

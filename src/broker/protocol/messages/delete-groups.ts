// DeleteGroups (key 42). Field facts from Apache Kafka's DeleteGroupsRequest.json /
// DeleteGroupsResponse.json, trimmed to the versions this broker serves (0-1).
import { MessageSpec, array, field } from '../schema';

export const DeleteGroupsRequest: MessageSpec = {
  apiKey: 42,
  name: 'DeleteGroupsRequest',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [array('groups_names', 'string', '0+')],
};

export const DeleteGroupsResponse: MessageSpec = {
  apiKey: 42,
  name: 'DeleteGroupsResponse',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('results', [
      field('group_id', 'string', '0+'),
      field('error_code', 'int16', '0+'),
    ], '0+'),
  ],
};

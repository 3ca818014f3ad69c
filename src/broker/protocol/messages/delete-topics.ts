// DeleteTopics (key 20). Field facts from Apache Kafka's DeleteTopicsRequest.json /
// DeleteTopicsResponse.json, trimmed to the versions this broker serves (0-3).
import { MessageSpec, array, field } from '../schema';

export const DeleteTopicsRequest: MessageSpec = {
  apiKey: 20,
  name: 'DeleteTopicsRequest',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    // v6+ replaces this with topics by name-or-id
    array('topic_names', 'string', '0-5'),
    field('timeout_ms', 'int32', '0+'),
  ],
};

export const DeleteTopicsResponse: MessageSpec = {
  apiKey: 20,
  name: 'DeleteTopicsResponse',
  validVersions: '0-3',
  flexibleVersions: '4+',
  fields: [
    field('throttle_time_ms', 'int32', '1+'),
    array('responses', [
      field('name', 'string', '0+', { nullableVersions: '6+' }),
      field('error_code', 'int16', '0+'),
    ], '0+'),
  ],
};

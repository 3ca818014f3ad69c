// DeleteRecords (key 21). Field facts from Apache Kafka's DeleteRecordsRequest.json /
// DeleteRecordsResponse.json, trimmed to the versions this broker serves (0-1).
import { MessageSpec, array, field } from '../schema';

export const DeleteRecordsRequest: MessageSpec = {
  apiKey: 21,
  name: 'DeleteRecordsRequest',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        // delete every record before this offset; -1 = the high watermark
        field('offset', 'int64', '0+'),
      ], '0+'),
    ], '0+'),
    field('timeout_ms', 'int32', '0+'),
  ],
};

export const DeleteRecordsResponse: MessageSpec = {
  apiKey: 21,
  name: 'DeleteRecordsResponse',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        // the new log start offset
        field('low_watermark', 'int64', '0+'),
        field('error_code', 'int16', '0+'),
      ], '0+'),
    ], '0+'),
  ],
};

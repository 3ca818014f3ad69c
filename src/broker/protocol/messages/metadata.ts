// Metadata (key 3). Field facts from Apache Kafka's MetadataRequest.json /
// MetadataResponse.json, trimmed to the versions this broker serves (0-6).
import { MessageSpec, array, field } from '../schema';

export const MetadataRequest: MessageSpec = {
  apiKey: 3,
  name: 'MetadataRequest',
  validVersions: '0-6',
  flexibleVersions: '9+',
  fields: [
    // v0: empty array = all topics; v1+: null = all topics, empty = none
    array('topics', [
      field('name', 'string', '0+', { nullableVersions: '10+' }),
    ], '0+', { nullableVersions: '1+' }),
    field('allow_auto_topic_creation', 'bool', '4+', { default: true }),
  ],
};

export const MetadataResponse: MessageSpec = {
  apiKey: 3,
  name: 'MetadataResponse',
  validVersions: '0-6',
  flexibleVersions: '9+',
  fields: [
    field('throttle_time_ms', 'int32', '3+'),
    array('brokers', [
      field('node_id', 'int32', '0+'),
      field('host', 'string', '0+'),
      field('port', 'int32', '0+'),
      field('rack', 'string', '1+', { nullableVersions: '1+', default: null }),
    ], '0+'),
    field('cluster_id', 'string', '2+', { nullableVersions: '2+', default: null }),
    field('controller_id', 'int32', '1+', { default: -1 }),
    array('topics', [
      field('error_code', 'int16', '0+'),
      field('name', 'string', '0+', { nullableVersions: '12+' }),
      field('is_internal', 'bool', '1+', { default: false }),
      array('partitions', [
        field('error_code', 'int16', '0+'),
        field('partition_index', 'int32', '0+'),
        field('leader_id', 'int32', '0+'),
        array('replica_nodes', 'int32', '0+'),
        array('isr_nodes', 'int32', '0+'),
        array('offline_replicas', 'int32', '5+'),
      ], '0+'),
    ], '0+'),
  ],
};

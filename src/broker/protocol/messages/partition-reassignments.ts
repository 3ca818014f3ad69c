// AlterPartitionReassignments (key 45) and ListPartitionReassignments (key 46). Field facts
// from Apache Kafka's AlterPartitionReassignmentsRequest/Response.json and
// ListPartitionReassignmentsRequest/Response.json (KIP-455), version 0 only; both are
// flexible from version 0 (compact strings and arrays, tagged fields).
import { MessageSpec, array, field } from '../schema';

export const AlterPartitionReassignmentsRequest: MessageSpec = {
  apiKey: 45,
  name: 'AlterPartitionReassignmentsRequest',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    field('timeout_ms', 'int32', '0+', { default: 60_000 }),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        // null cancels a pending reassignment of the partition
        array('replicas', 'int32', '0+', { nullableVersions: '0+', default: null }),
      ], '0+'),
    ], '0+'),
  ],
};

export const AlterPartitionReassignmentsResponse: MessageSpec = {
  apiKey: 45,
  name: 'AlterPartitionReassignmentsResponse',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    field('error_code', 'int16', '0+'),
    field('error_message', 'string', '0+', { nullableVersions: '0+' }),
    array('responses', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        field('error_code', 'int16', '0+'),
        field('error_message', 'string', '0+', { nullableVersions: '0+' }),
      ], '0+'),
    ], '0+'),
  ],
};

export const ListPartitionReassignmentsRequest: MessageSpec = {
  apiKey: 46,
  name: 'ListPartitionReassignmentsRequest',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    field('timeout_ms', 'int32', '0+', { default: 60_000 }),
    // null lists every ongoing reassignment
    array('topics', [
      field('name', 'string', '0+'),
      array('partition_indexes', 'int32', '0+'),
    ], '0+', { nullableVersions: '0+', default: null }),
  ],
};

export const ListPartitionReassignmentsResponse: MessageSpec = {
  apiKey: 46,
  name: 'ListPartitionReassignmentsResponse',
  validVersions: '0',
  flexibleVersions: '0+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    field('error_code', 'int16', '0+'),
    field('error_message', 'string', '0+', { nullableVersions: '0+' }),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        array('replicas', 'int32', '0+'),
        array('adding_replicas', 'int32', '0+'),
        array('removing_replicas', 'int32', '0+'),
      ], '0+'),
    ], '0+'),
  ],
};

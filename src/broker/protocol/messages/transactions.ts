// AddPartitionsToTxn (24), AddOffsetsToTxn (25), EndTxn (26), TxnOffsetCommit (28). Field facts
// from Apache Kafka's AddPartitionsToTxnRequest/Response.json, AddOffsetsToTxnRequest/
// Response.json, EndTxnRequest/Response.json and TxnOffsetCommitRequest/Response.json, trimmed
// to the versions this broker serves (0-1; TxnOffsetCommit 0-2: v2 adds the leader epoch).
import { MessageSpec, array, field } from '../schema';

const txnFields = [
  field('transactional_id', 'string', '0+'),
  field('producer_id', 'int64', '0+'),
  field('producer_epoch', 'int16', '0+'),
];

export const AddPartitionsToTxnRequest: MessageSpec = {
  apiKey: 24,
  name: 'AddPartitionsToTxnRequest',
  validVersions: '0-1',
  flexibleVersions: '3+',
  fields: [...txnFields, array('topics', [field('name', 'string', '0+'), array('partitions', 'int32', '0+')], '0+')],
};

export const AddPartitionsToTxnResponse: MessageSpec = {
  apiKey: 24,
  name: 'AddPartitionsToTxnResponse',
  validVersions: '0-1',
  flexibleVersions: '3+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('results', [
      field('name', 'string', '0+'),
      array('results', [field('partition_index', 'int32', '0+'), field('error_code', 'int16', '0+')], '0+'),
    ], '0+'),
  ],
};

export const AddOffsetsToTxnRequest: MessageSpec = {
  apiKey: 25,
  name: 'AddOffsetsToTxnRequest',
  validVersions: '0-1',
  flexibleVersions: '3+',
  fields: [...txnFields, field('group_id', 'string', '0+')],
};

export const AddOffsetsToTxnResponse: MessageSpec = {
  apiKey: 25,
  name: 'AddOffsetsToTxnResponse',
  validVersions: '0-1',
  flexibleVersions: '3+',
  fields: [field('throttle_time_ms', 'int32', '0+'), field('error_code', 'int16', '0+')],
};

export const EndTxnRequest: MessageSpec = {
  apiKey: 26,
  name: 'EndTxnRequest',
  validVersions: '0-1',
  flexibleVersions: '3+',
  fields: [...txnFields, field('committed', 'bool', '0+')],
};

export const EndTxnResponse: MessageSpec = {
  apiKey: 26,
  name: 'EndTxnResponse',
  validVersions: '0-1',
  flexibleVersions: '3+',
  fields: [field('throttle_time_ms', 'int32', '0+'), field('error_code', 'int16', '0+')],
};

export const TxnOffsetCommitRequest: MessageSpec = {
  apiKey: 28,
  name: 'TxnOffsetCommitRequest',
  validVersions: '0-2',
  flexibleVersions: '3+',
  fields: [
    field('transactional_id', 'string', '0+'),
    field('group_id', 'string', '0+'),
    field('producer_id', 'int64', '0+'),
    field('producer_epoch', 'int16', '0+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [
        field('partition_index', 'int32', '0+'),
        field('committed_offset', 'int64', '0+'),
        field('committed_leader_epoch', 'int32', '2+', { default: -1 }),
        field('committed_metadata', 'string', '0+', { nullableVersions: '0+' }),
      ], '0+'),
    ], '0+'),
  ],
};

export const TxnOffsetCommitResponse: MessageSpec = {
  apiKey: 28,
  name: 'TxnOffsetCommitResponse',
  validVersions: '0-2',
  flexibleVersions: '3+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    array('topics', [
      field('name', 'string', '0+'),
      array('partitions', [field('partition_index', 'int32', '0+'), field('error_code', 'int16', '0+')], '0+'),
    ], '0+'),
  ],
};

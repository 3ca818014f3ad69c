import { produce } from './00-produce';
import { fetch } from './01-fetch';
import { listOffsets } from './02-list-offsets';
import { metadata } from './03-metadata';
import { offsetCommit } from './08-offset-commit';
import { offsetFetch } from './09-offset-fetch';
import { findCoordinator } from './10-find-coordinator';
import { joinGroup } from './11-join-group';
import { heartbeat } from './12-heartbeat';
import { leaveGroup } from './13-leave-group';
import { syncGroup } from './14-sync-group';
import { describeGroups } from './15-describe-groups';
import { listGroups } from './16-list-groups';
import { saslHandshake } from './17-sasl-handshake';
import { apiVersions } from './18-api-versions';
import { createTopics } from './19-create-topics';
import { deleteTopics } from './20-delete-topics';
import { deleteRecords } from './21-delete-records';
import { initProducerId } from './22-init-producer-id';
import { addPartitionsToTxn } from './24-add-partitions-to-txn';
import { addOffsetsToTxn } from './25-add-offsets-to-txn';
import { endTxn } from './26-end-txn';
import { txnOffsetCommit } from './28-txn-offset-commit';
import { describeAcls } from './29-describe-acls';
import { createAcls } from './30-create-acls';
import { deleteAcls } from './31-delete-acls';
import { describeConfigs } from './32-describe-configs';
import { alterConfigs } from './33-alter-configs';
import { saslAuthenticate } from './36-sasl-authenticate';
import { createPartitions } from './37-create-partitions';
import { deleteGroups } from './42-delete-groups';
import { alterPartitionReassignments } from './45-alter-partition-reassignments';
import { listPartitionReassignments } from './46-list-partition-reassignments';
import { ApiHandler } from './handler';

export const API_HANDLERS: ApiHandler[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  saslHandshake,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  txnOffsetCommit,
  describeAcls,
  createAcls,
  deleteAcls,
  describeConfigs,
  alterConfigs,
  saslAuthenticate,
  createPartitions,
  deleteGroups,
  alterPartitionReassignments,
  listPartitionReassignments,
];

// Registry of every message this broker can decode/encode, keyed by apiKey.
import { MessageSpec } from '../schema';
import { CreateAclsRequest, CreateAclsResponse, DeleteAclsRequest, DeleteAclsResponse, DescribeAclsRequest, DescribeAclsResponse } from './acls';
import { AlterConfigsRequest, AlterConfigsResponse } from './alter-configs';
import { ApiVersionsRequest, ApiVersionsResponse } from './api-versions';
import { CreatePartitionsRequest, CreatePartitionsResponse } from './create-partitions';
import { CreateTopicsRequest, CreateTopicsResponse } from './create-topics';
import { DeleteGroupsRequest, DeleteGroupsResponse } from './delete-groups';
import { DeleteRecordsRequest, DeleteRecordsResponse } from './delete-records';
import { DeleteTopicsRequest, DeleteTopicsResponse } from './delete-topics';
import { DescribeConfigsRequest, DescribeConfigsResponse } from './describe-configs';
import { DescribeGroupsRequest, DescribeGroupsResponse } from './describe-groups';
import { FetchRequest, FetchResponse } from './fetch';
import { FindCoordinatorRequest, FindCoordinatorResponse } from './find-coordinator';
import { HeartbeatRequest, HeartbeatResponse } from './heartbeat';
import { InitProducerIdRequest, InitProducerIdResponse } from './init-producer-id';
import { JoinGroupRequest, JoinGroupResponse } from './join-group';
import { LeaveGroupRequest, LeaveGroupResponse } from './leave-group';
import { ListGroupsRequest, ListGroupsResponse } from './list-groups';
import { ListOffsetsRequest, ListOffsetsResponse } from './list-offsets';
import { MetadataRequest, MetadataResponse } from './metadata';
import { OffsetCommitRequest, OffsetCommitResponse } from './offset-commit';
import { OffsetFetchRequest, OffsetFetchResponse } from './offset-fetch';
import {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from './partition-reassignments';
import { ProduceRequest, ProduceResponse } from './produce';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from './sasl-authenticate';
import { SaslHandshakeRequest, SaslHandshakeResponse } from './sasl-handshake';
import { SyncGroupRequest, SyncGroupResponse } from './sync-group';
import {
  AddOffsetsToTxnRequest,
  AddOffsetsToTxnResponse,
  AddPartitionsToTxnRequest,
  AddPartitionsToTxnResponse,
  EndTxnRequest,
  EndTxnResponse,
  TxnOffsetCommitRequest,
  TxnOffsetCommitResponse,
} from './transactions';

export * from './acls';
export * from './alter-configs';
export * from './api-versions';
export * from './create-partitions';
export * from './create-topics';
export * from './delete-groups';
export * from './delete-records';
export * from './delete-topics';
export * from './describe-configs';
export * from './describe-groups';
export * from './fetch';
export * from './find-coordinator';
export * from './heartbeat';
export * from './init-producer-id';
export * from './join-group';
export * from './leave-group';
export * from './list-groups';
export * from './list-offsets';
export * from './metadata';
export * from './offset-commit';
export * from './offset-fetch';
export * from './partition-reassignments';
export * from './produce';
export * from './sasl-authenticate';
export * from './sasl-handshake';
export * from './sync-group';
export * from './transactions';

const pairs: Array<{ request: MessageSpec; response: MessageSpec }> = [
  { request: ProduceRequest, response: ProduceResponse },
  { request: FetchRequest, response: FetchResponse },
  { request: ListOffsetsRequest, response: ListOffsetsResponse },
  { request: MetadataRequest, response: MetadataResponse },
  { request: OffsetCommitRequest, response: OffsetCommitResponse },
  { request: OffsetFetchRequest, response: OffsetFetchResponse },
  { request: FindCoordinatorRequest, response: FindCoordinatorResponse },
  { request: JoinGroupRequest, response: JoinGroupResponse },
  { request: HeartbeatRequest, response: HeartbeatResponse },
  { request: LeaveGroupRequest, response: LeaveGroupResponse },
  { request: SyncGroupRequest, response: SyncGroupResponse },
  { request: DescribeGroupsRequest, response: DescribeGroupsResponse },
  { request: ListGroupsRequest, response: ListGroupsResponse },
  { request: SaslHandshakeRequest, response: SaslHandshakeResponse },
  { request: ApiVersionsRequest, response: ApiVersionsResponse },
  { request: CreateTopicsRequest, response: CreateTopicsResponse },
  { request: DeleteTopicsRequest, response: DeleteTopicsResponse },
  { request: DeleteRecordsRequest, response: DeleteRecordsResponse },
  { request: InitProducerIdRequest, response: InitProducerIdResponse },
  { request: SaslAuthenticateRequest, response: SaslAuthenticateResponse },
  { request: AddPartitionsToTxnRequest, response: AddPartitionsToTxnResponse },
  { request: AddOffsetsToTxnRequest, response: AddOffsetsToTxnResponse },
  { request: EndTxnRequest, response: EndTxnResponse },
  { request: TxnOffsetCommitRequest, response: TxnOffsetCommitResponse },
  { request: DescribeAclsRequest, response: DescribeAclsResponse },
  { request: CreateAclsRequest, response: CreateAclsResponse },
  { request: DeleteAclsRequest, response: DeleteAclsResponse },
  { request: DescribeConfigsRequest, response: DescribeConfigsResponse },
  { request: AlterConfigsRequest, response: AlterConfigsResponse },
  { request: CreatePartitionsRequest, response: CreatePartitionsResponse },
  { request: DeleteGroupsRequest, response: DeleteGroupsResponse },
  { request: AlterPartitionReassignmentsRequest, response: AlterPartitionReassignmentsResponse },
  { request: ListPartitionReassignmentsRequest, response: ListPartitionReassignmentsResponse },
];

export const MESSAGES: Record<number, { request: MessageSpec; response: MessageSpec }> = Object.fromEntries(
  pairs.map((p) => [p.request.apiKey, p]),
);

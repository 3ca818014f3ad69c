// TxnOffsetCommit (key 28), versions 0-2.
// v0: a group's offsets inside a transaction. v1: same wire format. v2: committed_leader_epoch.
// Not implemented: v3+ (flexible; group generation and member id, KIP-447).
// As Kafka 2.4's group coordinator: the producer id / epoch are not checked against the
// transactional id; the offsets are held per producer id and group and written to the group
// when a transaction of that producer id, with the group added (AddOffsetsToTxn), commits
// (dropped on abort). Offsets of a producer id no such transaction commits never become visible.
// ACLs (SASL principals): WRITE on the transactional id (TRANSACTIONAL_ID_AUTHORIZATION_FAILED),
// READ on the group (GROUP_AUTHORIZATION_FAILED).
import { OPERATION, RESOURCE } from '../acls';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { authorized, transactionAuthorized } from './authorize';
import { ApiHandler } from './handler';
import { METADATA_CHARS_MAX, offsetsOf } from './08-offset-commit';


export const txnOffsetCommit: ApiHandler = {
  apiKey: 28,
  minVersion: 0,
  maxVersion: 2,
  handle(request, ctx) {
    const topics = request.topics as Message[];
    const offsets = offsetsOf(topics);
    let error_code: number;
    if (!transactionAuthorized(ctx, request.transactional_id)) error_code = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    else if (!authorized(ctx, OPERATION.READ, RESOURCE.GROUP, request.group_id)) error_code = ErrorCode.GROUP_AUTHORIZATION_FAILED;
    else if (offsets.some((o) => o.metadata.length > METADATA_CHARS_MAX)) error_code = ErrorCode.OFFSET_METADATA_TOO_LARGE;
    else error_code = ctx.cluster.transactions.commitOffsets(request.producer_id, request.group_id, offsets);
    return {
      throttle_time_ms: 0,
      topics: topics.map((t) => ({ name: t.name, partitions: (t.partitions as Message[]).map((p) => ({ partition_index: p.partition_index, error_code })) })),
    };
  },
};

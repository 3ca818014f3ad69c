// The transaction coordinator of this one node (Kafka's TransactionCoordinator, KIP-98).
// A transactional id maps to a producer id and epoch (InitProducerId bumps the epoch, which
// fences the previous instance); a transaction collects partitions (AddPartitionsToTxn) and
// consumer groups (AddOffsetsToTxn, TxnOffsetCommit) and ends with EndTxn, which appends a
// COMMIT or ABORT marker to each of its partitions (fsynced before the answer) and, on commit,
// writes the group offsets.
//
// State is kept in meta/transactions.json (atomic replace + fsync on each change of an id's
// producer, epoch or partitions). On start, transactions that were open are aborted (their
// partitions get ABORT markers), as Kafka's coordinator does when it takes over, and so are
// transactions that outlive their timeout (the epoch is bumped, fencing the late producer).
//
// Deviations: an open transaction holds a partition's last stable offset from the log end at
// the time the partition was added (Kafka: from its first transactional batch); there is no
// PrepareCommit/PrepareAbort state to recover (markers are written before the state changes).
import * as path from 'node:path';
import type { GroupCoordinator } from './groups/group-coordinator';
import { CONTROL_TYPE, buildControlBatch } from './protocol/control-batch';
import { ErrorCode } from './protocol/errors';
import type { PartitionLog } from './storage/partition-log';
import { readJsonFile, writeJsonFileDurably } from './storage/json-file';

/** Kafka's transaction.max.timeout.ms default. */
export const TRANSACTION_TIMEOUT_MS_MAX = 15 * 60 * 1000;
const EPOCH_MAX = 32767;

interface TxnPartition {
  topic: string;
  partition: number;
  /** The log end when the partition joined the transaction: its data lies at or after it. */
  from: string;
}

interface TxnState {
  producerId: string;
  epoch: number;
  timeoutMs: number;
  ongoing: boolean;
  startedMs: number;
  partitions: TxnPartition[];
  groups: string[];
}

type PendingOffsets = Map<string, { topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string }[]>;

export interface TxnHost {
  partition(topic: string, partition: number): PartitionLog | undefined;
  allocateProducerId(): bigint;
  readonly groups: GroupCoordinator;
  notifyAppend(): void;
}

export class TransactionCoordinator {
  private readonly file: string;
  private readonly txns = new Map<string, TxnState>();
  /** TxnOffsetCommit offsets by producer id, then group, waiting for a commit (not persisted: an open transaction is aborted on restart). */
  private readonly pending = new Map<string, PendingOffsets>();

  constructor(
    metaDir: string,
    private readonly host: TxnHost,
  ) {
    this.file = path.join(metaDir, 'transactions.json');
    const saved = readJsonFile<{ txns: Record<string, TxnState> }>(this.file);
    for (const [id, t] of Object.entries(saved?.txns ?? {})) this.txns.set(id, t);
  }

  /** Aborts what was open when the broker stopped. Call once the topics are open; the markers' fsync follows. */
  recover(): Promise<void> {
    const touched: PartitionLog[] = [];
    for (const [id, t] of this.txns) {
      if (!t.ongoing) continue;
      for (const p of t.partitions) this.host.partition(p.topic, p.partition)?.txns.begin(BigInt(t.producerId), BigInt(p.from), t.epoch);
      touched.push(...this.writeMarkers(t, false).touched);
    }
    return Promise.all(touched.map((log) => log.flush())).then(() => undefined);
  }

  /** InitProducerId with a transactional id: the id's producer with a new epoch (an open transaction is aborted first). */
  async initProducer(transactionalId: string, timeoutMs: number): Promise<{ errorCode: number; producerId: bigint; epoch: number }> {
    if (!transactionalId) return { errorCode: ErrorCode.INVALID_REQUEST, producerId: -1n, epoch: -1 };
    if (!(timeoutMs > 0 && timeoutMs <= TRANSACTION_TIMEOUT_MS_MAX)) return { errorCode: ErrorCode.INVALID_TRANSACTION_TIMEOUT, producerId: -1n, epoch: -1 };
    let t = this.txns.get(transactionalId);
    if (t?.ongoing) await this.complete(transactionalId, t, false);
    if (!t || t.epoch >= EPOCH_MAX) {
      t = { producerId: String(this.host.allocateProducerId()), epoch: 0, timeoutMs, ongoing: false, startedMs: 0, partitions: [], groups: [] };
    } else {
      t = { ...t, epoch: t.epoch + 1, timeoutMs };
    }
    this.txns.set(transactionalId, t);
    this.save();
    return { errorCode: ErrorCode.NONE, producerId: BigInt(t.producerId), epoch: t.epoch };
  }

  /** The id's current producer, or the error a request from this producer id and epoch gets. */
  private check(transactionalId: string, producerId: bigint, epoch: number): TxnState | number {
    const t = this.txns.get(transactionalId);
    if (!t || BigInt(t.producerId) !== producerId) return ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    if (epoch !== t.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
    return t;
  }

  private begin(t: TxnState): void {
    if (t.ongoing) return;
    t.ongoing = true;
    t.startedMs = Date.now();
  }

  /** AddPartitionsToTxn: an error code per partition (all OPERATION_NOT_ATTEMPTED but the culprits when one fails). */
  addPartitions(transactionalId: string, producerId: bigint, epoch: number, partitions: { topic: string; partition: number }[]): number[] {
    const t = this.check(transactionalId, producerId, epoch);
    if (typeof t === 'number') return partitions.map(() => t);
    const logs = partitions.map((p) => this.host.partition(p.topic, p.partition));
    if (logs.some((l) => !l)) return logs.map((l) => (l ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
    this.begin(t);
    partitions.forEach((p, i) => {
      if (t.partitions.some((q) => q.topic === p.topic && q.partition === p.partition)) return;
      const log = logs[i] as PartitionLog;
      t.partitions.push({ ...p, from: String(log.logEndOffset) });
      log.txns.begin(producerId, log.logEndOffset, epoch);
    });
    this.save();
    return partitions.map(() => ErrorCode.NONE);
  }

  addOffsets(transactionalId: string, producerId: bigint, epoch: number, groupId: string): number {
    const t = this.check(transactionalId, producerId, epoch);
    if (typeof t === 'number') return t;
    this.begin(t);
    if (!t.groups.includes(groupId)) t.groups.push(groupId);
    this.save();
    return ErrorCode.NONE;
  }

  /**
   * TxnOffsetCommit, as Kafka's group coordinator takes it: held per producer id and group,
   * without checking the producer against its transactional id (Kafka 2.4 does not either).
   * They become the group's offsets when a transaction of that producer id commits with the
   * group added (AddOffsetsToTxn), are dropped when it aborts, and otherwise stay pending:
   * offsets from a producer id no transaction ever commits are never visible.
   */
  commitOffsets(
    producerId: bigint,
    groupId: string,
    offsets: { topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string }[],
  ): number {
    const key = String(producerId);
    const byGroup: PendingOffsets = this.pending.get(key) ?? new Map();
    const list = (byGroup.get(groupId) ?? []).filter((o) => !offsets.some((n) => n.topic === o.topic && n.partition === o.partition));
    byGroup.set(groupId, [...list, ...offsets]);
    this.pending.set(key, byGroup);
    return ErrorCode.NONE;
  }

  async endTxn(transactionalId: string, producerId: bigint, epoch: number, commit: boolean): Promise<number> {
    const t = this.check(transactionalId, producerId, epoch);
    if (typeof t === 'number') return t;
    if (!t.ongoing) return ErrorCode.INVALID_TXN_STATE;
    return this.complete(transactionalId, t, commit);
  }

  /** Writes the markers (fsynced before this resolves), then the committed offsets. */
  private async complete(transactionalId: string, t: TxnState, commit: boolean): Promise<number> {
    const { touched, pending } = this.writeMarkers(t, commit);
    await Promise.all(touched.map((log) => log.flush()));
    let error: number = ErrorCode.NONE;
    if (commit && pending) {
      for (const [groupId, offsets] of pending) {
        const code = await this.host.groups.commitTransactionalOffsets(groupId, offsets);
        if (code !== ErrorCode.NONE) error = code;
      }
    }
    return error;
  }

  /**
   * Appends a marker to each partition and closes the transaction, synchronously, so no other
   * request can see it half ended; the caller awaits the fsync.
   */
  private writeMarkers(t: TxnState, commit: boolean): { touched: PartitionLog[]; pending: PendingOffsets | undefined } {
    const producerId = BigInt(t.producerId);
    const type = commit ? CONTROL_TYPE.COMMIT : CONTROL_TYPE.ABORT;
    const now = Date.now();
    const touched: PartitionLog[] = [];
    for (const p of t.partitions) {
      const log = this.host.partition(p.topic, p.partition);
      if (!log) continue; // the topic was deleted meanwhile
      const { baseOffset } = log.append([buildControlBatch(producerId, t.epoch, type, BigInt(now))], now);
      log.txns.end(producerId, baseOffset, !commit);
      touched.push(log);
    }
    // The marker completes the producer's pending offsets of the groups in this transaction only.
    const held = this.pending.get(t.producerId);
    const pending: PendingOffsets = new Map();
    for (const groupId of t.groups) {
      const offsets = held?.get(groupId);
      if (!offsets) continue;
      pending.set(groupId, offsets);
      held?.delete(groupId);
    }
    if (held?.size === 0) this.pending.delete(t.producerId);
    t.ongoing = false;
    t.partitions = [];
    t.groups = [];
    this.save();
    this.host.notifyAppend();
    return { touched, pending };
  }

  /** Aborts transactions open longer than their timeout and bumps their epoch, fencing the producer. */
  async abortExpired(nowMs: number): Promise<void> {
    for (const [id, t] of this.txns) {
      if (!t.ongoing || nowMs - t.startedMs <= t.timeoutMs) continue;
      await this.complete(id, t, false);
      if (t.epoch < EPOCH_MAX) t.epoch += 1;
      this.save();
    }
  }

  private save(): void {
    writeJsonFileDurably(this.file, { txns: Object.fromEntries(this.txns) });
  }
}

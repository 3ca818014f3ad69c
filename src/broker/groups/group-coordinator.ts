// The classic (pre-KIP-848) consumer-group coordinator, following Apache Kafka's
// GroupCoordinator: members join, the coordinator waits for everyone to (re)join,
// picks a protocol and a leader, the leader computes assignments and hands them
// back through SyncGroup, and heartbeats tell members when to rejoin. Wire-format
// free: request handlers translate to and from these plain objects.
//
// Membership lives in memory only; committed offsets are durable via OffsetStore.
// After a restart members find themselves unknown and simply rejoin.

import { randomUUID } from 'crypto';
import { ErrorCode } from '../protocol/errors';
import type { OffsetStore } from '../storage/offset-store';
import { EMPTY_BYTES, Group, joinError, Member, syncError } from './group';
import type {
  CommitOffsetsInput,
  FetchedOffset,
  GroupDescription,
  HeartbeatInput,
  JoinGroupInput,
  JoinGroupOutput,
  LeaveGroupInput,
  LeaveGroupOutput,
  SyncGroupInput,
  SyncGroupOutput,
} from './group';

export type {
  CommitOffsetsInput,
  FetchedOffset,
  GroupDescription,
  GroupState,
  HeartbeatInput,
  JoinGroupInput,
  JoinGroupOutput,
  LeaveGroupInput,
  LeaveGroupOutput,
  Protocol,
  SyncGroupInput,
  SyncGroupOutput,
} from './group';

export interface GroupCoordinatorOptions {
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  /** Kafka's group.initial.rebalance.delay.ms: lets a starting fleet join one generation. */
  initialRebalanceDelayMs: number;
  groupMaxSize: number;
  /** Kafka's offset.metadata.max.bytes. */
  offsetMetadataBytesMax: number;
}

export const defaultGroupCoordinatorOptions: GroupCoordinatorOptions = {
  sessionTimeoutMsMin: 1000,
  sessionTimeoutMsMax: 1_800_000,
  initialRebalanceDelayMs: 100,
  groupMaxSize: 1000,
  offsetMetadataBytesMax: 4096,
};

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private readonly options: GroupCoordinatorOptions;
  private closed = false;

  constructor(
    private readonly offsets: OffsetStore,
    options: Partial<GroupCoordinatorOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...defaultGroupCoordinatorOptions, ...options };
    // Groups that only ever committed offsets still exist (Empty) for list/describe.
    for (const groupId of offsets.groupIds()) this.groups.set(groupId, new Group(groupId));
  }

  // ---- JoinGroup -------------------------------------------------------------

  async joinGroup(input: JoinGroupInput): Promise<JoinGroupOutput> {
    if (this.closed) return joinError(input.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (input.groupId === '') return joinError(input.memberId, ErrorCode.INVALID_GROUP_ID);
    if (
      input.sessionTimeoutMs < this.options.sessionTimeoutMsMin ||
      input.sessionTimeoutMs > this.options.sessionTimeoutMsMax
    ) {
      return joinError(input.memberId, ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const isNewMember = input.memberId === '';
    const existing = this.groups.get(input.groupId);
    // A member id names a member of an existing group; only an id-less join creates a group.
    if (!existing && !isNewMember) return joinError(input.memberId, ErrorCode.UNKNOWN_MEMBER_ID);
    const group = existing ?? new Group(input.groupId);
    if (!group.acceptsJoiningMember(input.memberId, this.options.groupMaxSize)) return joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED);
    if (isNewMember && !group.supportsProtocols(input.protocolType, input.protocols)) {
      return joinError(input.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (!existing) this.groups.set(group.groupId, group);

    const result = new Promise<JoinGroupOutput>((resolve) => {
      if (isNewMember) this.joinNewMember(group, input, resolve);
      else this.joinKnownMember(group, input, resolve);
    });
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
    return result;
  }

  private joinNewMember(group: Group, input: JoinGroupInput, resolve: (out: JoinGroupOutput) => void): void {
    const prefix = input.groupInstanceId ?? input.clientId;
    const memberId = `${prefix}-${randomUUID()}`;
    if (input.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(input.groupInstanceId);
      const old = oldMemberId === undefined ? undefined : group.members.get(oldMemberId);
      if (old) return this.rejoinStaticMember(group, old, memberId, input, resolve);
      return this.addMemberAndRebalance(group, memberId, input, resolve);
    }
    if (input.requireKnownMemberId) {
      // Remember the id so the rejoin is accepted, and forget it if the client never comes back.
      const timer = setTimeout(() => this.removePendingMember(group, memberId), input.sessionTimeoutMs);
      timer.unref();
      group.pendingMembers.set(memberId, timer);
      return resolve(joinError(memberId, ErrorCode.MEMBER_ID_REQUIRED));
    }
    this.addMemberAndRebalance(group, memberId, input, resolve);
  }

  private joinKnownMember(group: Group, input: JoinGroupInput, resolve: (out: JoinGroupOutput) => void): void {
    const pendingTimer = group.pendingMembers.get(input.memberId);
    if (pendingTimer !== undefined) {
      if (!group.supportsProtocols(input.protocolType, input.protocols)) {
        return resolve(joinError(input.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
      }
      clearTimeout(pendingTimer);
      group.pendingMembers.delete(input.memberId);
      return this.addMemberAndRebalance(group, input.memberId, input, resolve);
    }
    if (group.isStaticMemberFenced(input.memberId, input.groupInstanceId)) {
      return resolve(joinError(input.memberId, ErrorCode.FENCED_INSTANCE_ID));
    }
    const member = group.members.get(input.memberId);
    if (!member) return resolve(joinError(input.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    if (!group.supportsProtocols(input.protocolType, input.protocols)) {
      return resolve(joinError(input.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(group, member, input, resolve);
      case 'CompletingRebalance':
        // A repeated join (e.g. a lost response) with nothing changed gets the same answer again.
        if (!member.matches(input.protocols)) return this.updateMemberAndRebalance(group, member, input, resolve);
        this.renewSession(group, member);
        return resolve(this.joinResult(group, member, member.memberId === group.leaderId));
      case 'Stable':
        // The leader rejoining means it wants to reassign (e.g. topic metadata changed).
        if (member.memberId === group.leaderId || !member.matches(input.protocols)) {
          return this.updateMemberAndRebalance(group, member, input, resolve);
        }
        this.renewSession(group, member);
        return resolve(this.joinResult(group, member, false));
      default:
        return resolve(joinError(input.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /** A static member restarted: it takes over its old identity under a fresh member id. */
  private rejoinStaticMember(
    group: Group,
    member: Member,
    newMemberId: string,
    input: JoinGroupInput,
    resolve: (out: JoinGroupOutput) => void,
  ): void {
    const previousLeader = group.leaderId ?? '';
    member.answerJoin(joinError(member.memberId, ErrorCode.FENCED_INSTANCE_ID));
    member.answerSync(syncError(ErrorCode.FENCED_INSTANCE_ID));
    group.replaceStaticMember(member, newMemberId);
    const protocolsChanged = !member.matches(input.protocols);
    member.protocols = input.protocols;
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    if (group.is('Stable') && (!protocolsChanged || group.selectProtocol() === group.protocolName)) {
      // Nothing to reassign: keep the generation. The old leader id is returned so a
      // restarted leader does not compute an assignment a Stable group would never deliver.
      this.renewSession(group, member);
      return resolve({ ...this.joinResult(group, member, false), leader: previousLeader });
    }
    this.setJoinWaiter(member, resolve);
    if (!group.is('PreparingRebalance')) this.prepareRebalance(group);
  }

  private addMemberAndRebalance(
    group: Group,
    memberId: string,
    input: JoinGroupInput,
    resolve: (out: JoinGroupOutput) => void,
  ): void {
    const member = new Member(
      memberId,
      input.groupInstanceId,
      input.clientId,
      input.clientHost,
      input.sessionTimeoutMs,
      input.rebalanceTimeoutMs,
      input.protocolType,
      input.protocols,
    );
    member.joinWaiter = resolve;
    group.add(member);
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    if (!group.is('PreparingRebalance')) this.prepareRebalance(group);
  }

  private updateMemberAndRebalance(
    group: Group,
    member: Member,
    input: JoinGroupInput,
    resolve: (out: JoinGroupOutput) => void,
  ): void {
    member.protocols = input.protocols;
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    this.setJoinWaiter(member, resolve);
    if (!group.is('PreparingRebalance')) this.prepareRebalance(group);
  }

  private setJoinWaiter(member: Member, resolve: (out: JoinGroupOutput) => void): void {
    // A second join for the same member comes from a client that gave up on the first.
    member.answerJoin(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    member.joinWaiter = resolve;
    member.clearSession();
  }

  // ---- rebalance ---------------------------------------------------------------

  private prepareRebalance(group: Group): void {
    if (group.is('CompletingRebalance')) {
      // Assignments of the generation being abandoned must not reach anyone.
      for (const m of group.members.values()) {
        m.assignment = EMPTY_BYTES;
        if (m.answerSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS))) this.renewSession(group, m);
      }
    }
    const fromEmpty = group.is('Empty');
    group.transitionTo('PreparingRebalance');
    this.clearJoinTimer(group);
    if (fromEmpty) {
      const delayMs = this.options.initialRebalanceDelayMs;
      group.initialJoin = true;
      group.newMemberAdded = false;
      this.armInitialJoin(group, delayMs, Math.max(group.rebalanceTimeoutMs() - delayMs, 0));
    } else {
      group.joinTimer = setTimeout(() => this.completeJoin(group), group.rebalanceTimeoutMs());
      group.joinTimer.unref();
      this.tryCompleteJoin(group);
    }
  }

  /**
   * Kafka's InitialDelayedJoin: wait the delay, and again while members keep
   * arriving, but no longer than the rebalance timeout in total.
   */
  private armInitialJoin(group: Group, delayMs: number, remainingMs: number): void {
    group.joinTimer = setTimeout(() => {
      group.joinTimer = null;
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        const initialDelayMs = this.options.initialRebalanceDelayMs;
        this.armInitialJoin(group, Math.min(initialDelayMs, remainingMs), Math.max(remainingMs - initialDelayMs, 0));
      } else {
        this.completeJoin(group);
      }
    }, delayMs);
    group.joinTimer.unref();
  }

  private tryCompleteJoin(group: Group): void {
    if (group.is('PreparingRebalance') && !group.initialJoin && group.hasAllMembersJoined()) this.completeJoin(group);
  }

  private completeJoin(group: Group): void {
    this.clearJoinTimer(group);
    group.initialJoin = false;
    if (!group.is('PreparingRebalance')) return;
    // Dynamic members that did not rejoin in time are gone; static ones are expected back.
    for (const m of [...group.members.values()]) {
      if (!m.isAwaitingJoin && m.groupInstanceId === null) {
        m.clearSession();
        group.remove(m.memberId);
      }
    }
    group.generationId++;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.transitionTo('Empty');
      this.forgetIfUnused(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo('CompletingRebalance');
    const leader = group.leaderId === null ? undefined : group.members.get(group.leaderId);
    if (!leader?.isAwaitingJoin) {
      const joined = [...group.members.values()].find((m) => m.isAwaitingJoin);
      if (joined) group.leaderId = joined.memberId;
    }
    for (const m of group.members.values()) {
      if (m.answerJoin(this.joinResult(group, m, m.memberId === group.leaderId))) this.renewSession(group, m);
    }
  }

  private joinResult(group: Group, member: Member, isLeader: boolean): JoinGroupOutput {
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolName: group.protocolName ?? '',
      leader: group.leaderId ?? '',
      memberId: member.memberId,
      members: isLeader ? group.currentMemberMetadata() : [],
    };
  }

  // ---- SyncGroup / Heartbeat / LeaveGroup ----------------------------------------

  async syncGroup(input: SyncGroupInput): Promise<SyncGroupOutput> {
    if (this.closed) return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (input.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(input.groupId);
    if (!group) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (group.isStaticMemberFenced(input.memberId, input.groupInstanceId)) {
      return syncError(ErrorCode.FENCED_INSTANCE_ID);
    }
    const member = group.members.get(input.memberId);
    if (!member) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (input.generationId !== group.generationId) return syncError(ErrorCode.ILLEGAL_GENERATION);
    switch (group.state) {
      case 'PreparingRebalance':
        this.renewSession(group, member);
        return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.renewSession(group, member);
        return { errorCode: ErrorCode.NONE, assignment: member.assignment };
      case 'CompletingRebalance':
        return new Promise<SyncGroupOutput>((resolve) => {
          member.answerSync(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
          member.syncWaiter = resolve;
          member.clearSession();
          if (member.memberId === group.leaderId) this.completeSync(group, input.assignments);
        });
      default:
        return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** The leader's assignment arrived: store it, release every parked SyncGroup, go Stable. */
  private completeSync(group: Group, assignments: SyncGroupInput['assignments']): void {
    const byMember = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of group.members.values()) m.assignment = byMember.get(m.memberId) ?? EMPTY_BYTES;
    group.transitionTo('Stable');
    for (const m of group.members.values()) {
      if (m.answerSync({ errorCode: ErrorCode.NONE, assignment: m.assignment })) this.renewSession(group, m);
    }
  }

  heartbeat(input: HeartbeatInput): { errorCode: number } {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (input.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID };
    const group = this.groups.get(input.groupId);
    if (!group) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    if (group.isStaticMemberFenced(input.memberId, input.groupInstanceId)) {
      return { errorCode: ErrorCode.FENCED_INSTANCE_ID };
    }
    const member = group.members.get(input.memberId);
    if (!member) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    if (input.generationId !== group.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
    switch (group.state) {
      case 'PreparingRebalance':
        // Still a sign of life; the error is how a member learns it must rejoin.
        this.renewSession(group, member);
        return { errorCode: ErrorCode.REBALANCE_IN_PROGRESS };
      case 'CompletingRebalance':
      case 'Stable':
        this.renewSession(group, member);
        return { errorCode: ErrorCode.NONE };
      default:
        return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    }
  }

  /** The v3+ batch form; a v0-2 handler passes its one member and reports that member's error at top level. */
  leaveGroup(input: LeaveGroupInput): LeaveGroupOutput {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (input.groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(input.groupId);
    const members = input.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      errorCode: group ? this.leaveOne(group, m.memberId, m.groupInstanceId) : ErrorCode.UNKNOWN_MEMBER_ID,
    }));
    return { errorCode: ErrorCode.NONE, members };
  }

  private leaveOne(group: Group, memberId: string, groupInstanceId: string | null): number {
    if (groupInstanceId !== null) {
      const staticMemberId = group.staticMembers.get(groupInstanceId);
      if (staticMemberId === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && memberId !== staticMemberId) return ErrorCode.FENCED_INSTANCE_ID;
      memberId = staticMemberId;
    } else if (group.pendingMembers.has(memberId)) {
      this.removePendingMember(group, memberId);
      return ErrorCode.NONE;
    }
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMemberAndUpdateGroup(group, member);
    return ErrorCode.NONE;
  }

  // ---- sessions and removal ------------------------------------------------------

  /** Restarts the session clock; members with a parked join or sync are kept alive instead. */
  private renewSession(group: Group, member: Member): void {
    member.clearSession();
    if (this.closed || member.isAwaitingJoin || member.isAwaitingSync) return;
    member.sessionTimer = setTimeout(() => {
      member.sessionTimer = null;
      if (group.members.get(member.memberId) === member) this.removeMemberAndUpdateGroup(group, member);
    }, member.sessionTimeoutMs);
    member.sessionTimer.unref();
  }

  private removeMemberAndUpdateGroup(group: Group, member: Member): void {
    member.clearSession();
    member.answerJoin(joinError(member.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    member.answerSync(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.remove(member.memberId);
    if (group.is('Stable') || group.is('CompletingRebalance')) this.prepareRebalance(group);
    else if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  private removePendingMember(group: Group, memberId: string): void {
    const timer = group.pendingMembers.get(memberId);
    if (timer === undefined) return;
    clearTimeout(timer);
    group.pendingMembers.delete(memberId);
    this.tryCompleteJoin(group);
    this.forgetIfUnused(group);
  }

  /**
   * An Empty group with no committed offsets and nobody mid-handshake holds nothing worth
   * keeping: it goes (Dead), as Kafka's group metadata cleanup removes such groups, instead
   * of piling up in ListGroups for ever.
   */
  private forgetIfUnused(group: Group): void {
    if (this.closed || !group.is('Empty') || group.members.size > 0 || group.pendingMembers.size > 0) return;
    if (this.groups.get(group.groupId) !== group || this.offsets.listGroup(group.groupId).length > 0) return;
    this.forgetGroup(group);
  }

  private clearJoinTimer(group: Group): void {
    if (group.joinTimer !== null) clearTimeout(group.joinTimer);
    group.joinTimer = null;
  }

  // ---- offsets ---------------------------------------------------------------------

  /** One error code for all partitions: either the whole request is valid and durable, or none of it is. */
  async commitOffsets(input: CommitOffsetsInput): Promise<number> {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const groupInstanceId = input.groupInstanceId ?? null;
    const metadataTooLarge = input.offsets.some(
      (o) => o.metadata !== null && Buffer.byteLength(o.metadata, 'utf8') > this.options.offsetMetadataBytesMax,
    );
    if (metadataTooLarge) return ErrorCode.OFFSET_METADATA_TOO_LARGE;
    let group = this.groups.get(input.groupId);
    if (!group) {
      // Without group management (generation < 0) a commit creates the group; otherwise it
      // comes from a generation this coordinator never saw.
      if (input.generationId >= 0) return ErrorCode.ILLEGAL_GENERATION;
      group = new Group(input.groupId);
      this.groups.set(group.groupId, group);
    }
    const error = this.validateCommit(group, input.memberId, groupInstanceId, input.generationId);
    if (error !== ErrorCode.NONE) return error;
    const member = group.members.get(input.memberId);
    if (member) this.renewSession(group, member);
    try {
      await this.offsets.commit(input.groupId, input.offsets, this.now());
    } catch {
      return this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    return ErrorCode.NONE;
  }

  /**
   * TxnOffsetCommit's offsets, when their transaction commits: written as they are, with no
   * generation check (Kafka's TxnOffsetCommit v0-2 carries no member or generation).
   */
  async commitTransactionalOffsets(groupId: string, offsets: CommitOffsetsInput['offsets']): Promise<number> {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (offsets.length === 0) return ErrorCode.NONE;
    try {
      await this.offsets.commit(groupId, offsets, this.now());
    } catch {
      return this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    return ErrorCode.NONE;
  }

  private validateCommit(group: Group, memberId: string, groupInstanceId: string | null, generationId: number): number {
    const simple = generationId < 0 && memberId === '' && groupInstanceId === null;
    if (simple) return group.is('Empty') ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
    if (group.isStaticMemberFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    if (!group.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    // The member has its JoinGroup answer but no assignment yet; it must finish the rebalance first.
    if (group.is('CompletingRebalance')) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  fetchOffsets(groupId: string, partitions: { topic: string; partition: number }[] | null): FetchedOffset[] {
    if (partitions === null) {
      return this.offsets.listGroup(groupId).map(({ topic, partition, committed }) => ({
        topic,
        partition,
        offset: committed.offset,
        leaderEpoch: committed.leaderEpoch,
        metadata: committed.metadata,
      }));
    }
    return partitions.map(({ topic, partition }) => {
      const committed = this.offsets.get(groupId, topic, partition);
      if (!committed) return { topic, partition, offset: -1n, leaderEpoch: -1, metadata: '' };
      const { offset, leaderEpoch, metadata } = committed;
      return { topic, partition, offset, leaderEpoch, metadata };
    });
  }

  // ---- admin -------------------------------------------------------------------------

  describeGroup(groupId: string): GroupDescription {
    const group = this.groups.get(groupId);
    if (!group) {
      return { errorCode: ErrorCode.NONE, groupId, state: 'Dead', protocolType: '', protocol: '', members: [] };
    }
    // Like Kafka, metadata and assignments are only meaningful (and shown) once Stable.
    const stable = group.is('Stable');
    const protocol = stable ? (group.protocolName ?? '') : '';
    return {
      errorCode: ErrorCode.NONE,
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocol,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadataFor(protocol) : EMPTY_BYTES,
        assignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  listGroups(): { groupId: string; protocolType: string; state: string }[] {
    return [...this.groups.values()].map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType ?? '',
      state: g.state,
    }));
  }

  /** DeleteGroups: only an Empty group can go; its committed offsets go with it. */
  async deleteGroup(groupId: string): Promise<number> {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const group = this.groups.get(groupId);
    if (!group) return ErrorCode.GROUP_ID_NOT_FOUND;
    if (!group.is('Empty')) return ErrorCode.NON_EMPTY_GROUP;
    this.forgetGroup(group);
    try {
      await this.offsets.deleteGroup(groupId);
    } catch {
      return this.closed ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.UNKNOWN_SERVER_ERROR;
    }
    return ErrorCode.NONE;
  }

  /** Drops the topic's committed offsets; Empty groups left without any offsets disappear, as in Kafka. */
  async deleteTopic(topic: string): Promise<void> {
    await this.offsets.deleteTopic(topic);
    for (const group of [...this.groups.values()]) {
      this.forgetIfUnused(group);
    }
  }

  private forgetGroup(group: Group): void {
    for (const timer of group.pendingMembers.values()) clearTimeout(timer);
    group.pendingMembers.clear();
    this.clearJoinTimer(group);
    group.transitionTo('Dead');
    this.groups.delete(group.groupId);
  }

  /** Stops every timer and answers parked requests; the OffsetStore stays open (the caller owns it). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const group of this.groups.values()) {
      this.clearJoinTimer(group);
      for (const timer of group.pendingMembers.values()) clearTimeout(timer);
      for (const m of group.members.values()) {
        m.clearSession();
        m.answerJoin(joinError(m.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
        m.answerSync(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
      }
    }
  }
}

// Per-group state of the classic consumer-group protocol: the members, the
// generation, and the state machine Empty -> PreparingRebalance ->
// CompletingRebalance -> Stable. Pure bookkeeping; timers and request handling
// live in GroupCoordinator, which drives these transitions.

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

// ---- coordinator requests and answers, as plain objects (handlers do the wire format) ----

export interface JoinGroupOutput {
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  /** Only for the leader; empty for followers. */
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncGroupOutput {
  errorCode: number;
  assignment: Buffer;
}

export interface JoinGroupInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  clientId: string;
  clientHost: string;
  /** JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED and its id, then rejoins with it. */
  requireKnownMemberId: boolean;
}

export interface SyncGroupInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface HeartbeatInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupInput {
  groupId: string;
  members: { memberId: string; groupInstanceId: string | null }[];
}

export interface LeaveGroupOutput {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface CommitOffsetsInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId?: string | null;
  offsets: { topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string | null }[];
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  /** -1n when the group has no committed offset for the partition. */
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    metadata: Buffer;
    assignment: Buffer;
  }[];
}

export const EMPTY_BYTES = Buffer.alloc(0);

export function joinError(memberId: string, errorCode: number): JoinGroupOutput {
  return { errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: [] };
}

export function syncError(errorCode: number): SyncGroupOutput {
  return { errorCode, assignment: EMPTY_BYTES };
}

// The states each state may be entered from, as in Kafka's GroupState definitions.
const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Empty', 'CompletingRebalance', 'Stable'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'],
};

export class Member {
  assignment: Buffer = EMPTY_BYTES;
  /** Set while the member's JoinGroup is parked until the join phase completes. */
  joinWaiter: ((out: JoinGroupOutput) => void) | null = null;
  /** Set while the member's SyncGroup is parked until the leader's assignment arrives. */
  syncWaiter: ((out: SyncGroupOutput) => void) | null = null;
  sessionTimer: NodeJS.Timeout | null = null;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    readonly protocolType: string,
    public protocols: Protocol[],
  ) {}

  get isAwaitingJoin(): boolean {
    return this.joinWaiter !== null;
  }

  get isAwaitingSync(): boolean {
    return this.syncWaiter !== null;
  }

  /** Answers a parked JoinGroup, if any; returns whether there was one. */
  answerJoin(out: JoinGroupOutput): boolean {
    const waiter = this.joinWaiter;
    this.joinWaiter = null;
    waiter?.(out);
    return waiter !== null;
  }

  /** Answers a parked SyncGroup, if any; returns whether there was one. */
  answerSync(out: SyncGroupOutput): boolean {
    const waiter = this.syncWaiter;
    this.syncWaiter = null;
    waiter?.(out);
    return waiter !== null;
  }

  clearSession(): void {
    if (this.sessionTimer !== null) clearTimeout(this.sessionTimer);
    this.sessionTimer = null;
  }

  metadataFor(protocol: string): Buffer {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, same order, same metadata: a rejoin that changes nothing. */
  matches(protocols: Protocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => p.name === this.protocols[i].name && p.metadata.equals(this.protocols[i].metadata))
    );
  }
}

export class Group {
  state: GroupState = 'Empty';
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Insertion order matters: the next leader is the oldest remaining member. */
  readonly members = new Map<string, Member>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, each with the timer that forgets it. */
  readonly pendingMembers = new Map<string, NodeJS.Timeout>();
  /** groupInstanceId -> memberId of the static members. */
  readonly staticMembers = new Map<string, string>();
  /** Completes (or, for the initial delay, re-arms) the join phase. */
  joinTimer: NodeJS.Timeout | null = null;
  /** The join phase is the initial delayed one, which never completes early. */
  initialJoin = false;
  /** A member joined during the initial delay, so the delay is extended once more. */
  newMemberAdded = false;

  constructor(readonly groupId: string) {}

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(next: GroupState): void {
    if (!VALID_PREVIOUS[next].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${next}`);
    }
    this.state = next;
  }

  add(member: Member): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    if (this.leaderId === null) this.leaderId = member.memberId;
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (!member) return;
    this.members.delete(memberId);
    if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
      this.staticMembers.delete(member.groupInstanceId);
    }
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  acceptsJoiningMember(memberId: string, groupMaxSize: number): boolean {
    const member = this.members.get(memberId);
    switch (this.state) {
      case 'Empty':
      case 'Dead':
        return true;
      // Counting members already rejoined (not all members) means that when the limit
      // was lowered, the last ones to rejoin are turned away.
      case 'PreparingRebalance':
        return member?.isAwaitingJoin === true || this.numAwaitingJoin() < groupMaxSize;
      default:
        return member !== undefined || this.members.size < groupMaxSize;
    }
  }

  /** Moves a static member to the id it was just given; the old id is fenced from then on. */
  replaceStaticMember(member: Member, newMemberId: string): void {
    const oldMemberId = member.memberId;
    const rebuilt = new Map<string, Member>();
    for (const [id, m] of this.members) rebuilt.set(id === oldMemberId ? newMemberId : id, m);
    this.members.clear();
    for (const [id, m] of rebuilt) this.members.set(id, m);
    member.memberId = newMemberId;
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
  }

  /** A request carrying an instance id now owned by a newer member id is from a zombie. */
  isStaticMemberFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /** Protocol names every current member supports. */
  candidateProtocols(): Set<string> {
    const [first, ...rest] = [...this.members.values()];
    const candidates = new Set(first ? first.protocols.map((p) => p.name) : []);
    for (const m of rest) {
      for (const name of candidates) if (!m.protocols.some((p) => p.name === name)) candidates.delete(name);
    }
    return candidates;
  }

  supportsProtocols(protocolType: string, protocols: Protocol[]): boolean {
    if (this.members.size === 0) return protocolType !== '' && protocols.length > 0;
    const candidates = this.candidateProtocols();
    return this.protocolType === protocolType && protocols.some((p) => candidates.has(p.name));
  }

  /**
   * Kafka's vote: each member votes for its most preferred protocol that all
   * members support; most votes wins. Ties go to the leader's preference order.
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name));
      if (choice) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
    }
    const leader = (this.leaderId !== null && this.members.get(this.leaderId)) || this.members.values().next().value;
    const order = leader ? leader.protocols.map((p) => p.name).filter((n) => candidates.has(n)) : [...candidates];
    let best = order[0] ?? '';
    for (const name of order) if ((votes.get(name) ?? 0) > (votes.get(best) ?? 0)) best = name;
    return best;
  }

  /** Join phase may end: every member has rejoined and no handed-out member id is outstanding. */
  hasAllMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (!m.isAwaitingJoin) return false;
    return true;
  }

  numAwaitingJoin(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.isAwaitingJoin) n++;
    return n;
  }

  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** What the leader needs to compute assignments: each member's metadata for the chosen protocol. */
  currentMemberMetadata(): JoinGroupOutput['members'] {
    const protocol = this.protocolName ?? '';
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadataFor(protocol),
    }));
  }
}

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { OffsetStore } from '../../src/broker/storage/offset-store';
import { GroupCoordinator, JoinGroupInput, JoinGroupOutput } from '../../src/broker/groups/group-coordinator';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const PROTOCOLS = [
  { name: 'roundrobin', metadata: Buffer.from('rr') },
  { name: 'range', metadata: Buffer.from('rg') },
];

let dir: string;
let store: OffsetStore;
let coordinator: GroupCoordinator;

function newCoordinator(overrides: { initialRebalanceDelayMs?: number } = {}): GroupCoordinator {
  return new GroupCoordinator(store, {
    sessionTimeoutMsMin: 50,
    sessionTimeoutMsMax: 60_000,
    initialRebalanceDelayMs: overrides.initialRebalanceDelayMs ?? 30,
    groupMaxSize: 1000,
  });
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broker-groups-'));
  store = OffsetStore.open(dir);
  coordinator = newCoordinator();
});

afterEach(() => {
  coordinator.close();
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function joinInput(overrides: Partial<JoinGroupInput> = {}): JoinGroupInput {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 2_000,
    protocolType: 'consumer',
    protocols: PROTOCOLS,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    requireKnownMemberId: false,
    ...overrides,
  };
}

/** Joins and syncs a set of fresh members; the leader assigns `a-<memberId>` to everyone. */
async function formGroup(count: number, overrides: Partial<JoinGroupInput> = {}): Promise<JoinGroupOutput[]> {
  const joins = await Promise.all(Array.from({ length: count }, () => coordinator.joinGroup(joinInput(overrides))));
  await syncAll(joins);
  return joins;
}

async function syncAll(joins: JoinGroupOutput[], groupId = 'g'): Promise<void> {
  const leader = joins.find((j) => j.memberId === j.leader)!;
  const assignments = leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from(`a-${m.memberId}`) }));
  const syncs = await Promise.all(
    joins.map((j) =>
      coordinator.syncGroup({
        groupId,
        generationId: j.generationId,
        memberId: j.memberId,
        groupInstanceId: null,
        assignments: j.memberId === j.leader ? assignments : [],
      }),
    ),
  );
  for (const s of syncs) expect(s.errorCode).toBe(ErrorCode.NONE);
}

function heartbeat(j: JoinGroupOutput, groupId = 'g'): number {
  return coordinator.heartbeat({ groupId, generationId: j.generationId, memberId: j.memberId, groupInstanceId: null })
    .errorCode;
}

describe('GroupCoordinator membership', () => {
  test('single member: join -> sync -> heartbeat, Stable', async () => {
    const join = await coordinator.joinGroup(joinInput());
    expect(join.errorCode).toBe(ErrorCode.NONE);
    expect(join.memberId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(join.generationId).toBe(1);
    expect(join.leader).toBe(join.memberId);
    expect(join.protocolName).toBe('roundrobin');
    expect(join.members).toEqual([{ memberId: join.memberId, groupInstanceId: null, metadata: Buffer.from('rr') }]);
    expect(coordinator.describeGroup('g').state).toBe('CompletingRebalance');

    const sync = await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: join.memberId,
      groupInstanceId: null,
      assignments: [{ memberId: join.memberId, assignment: Buffer.from('mine') }],
    });
    expect(sync).toEqual({ errorCode: ErrorCode.NONE, assignment: Buffer.from('mine') });
    expect(heartbeat(join)).toBe(ErrorCode.NONE);

    const described = coordinator.describeGroup('g');
    expect(described.state).toBe('Stable');
    expect(described.protocolType).toBe('consumer');
    expect(described.protocol).toBe('roundrobin');
    expect(described.members[0].assignment).toEqual(Buffer.from('mine'));
    expect(coordinator.listGroups()).toEqual([{ groupId: 'g', protocolType: 'consumer', state: 'Stable' }]);
  });

  test('two concurrent members share a generation; the follower gets the leader assignment', async () => {
    const [a, b] = await Promise.all([coordinator.joinGroup(joinInput()), coordinator.joinGroup(joinInput())]);
    expect(a.generationId).toBe(1);
    expect(b.generationId).toBe(1);
    expect(a.leader).toBe(b.leader);
    const leader = a.memberId === a.leader ? a : b;
    const follower = leader === a ? b : a;
    expect(leader.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b.memberId].sort());
    expect(follower.members).toEqual([]);

    let followerDone = false;
    const followerSync = coordinator
      .syncGroup({ groupId: 'g', generationId: 1, memberId: follower.memberId, groupInstanceId: null, assignments: [] })
      .then((r) => {
        followerDone = true;
        return r;
      });
    await sleep(20);
    expect(followerDone).toBe(false); // parked until the leader's assignment arrives
    const leaderSync = await coordinator.syncGroup({
      groupId: 'g',
      generationId: 1,
      memberId: leader.memberId,
      groupInstanceId: null,
      assignments: [
        { memberId: leader.memberId, assignment: Buffer.from('L') },
        { memberId: follower.memberId, assignment: Buffer.from('F') },
      ],
    });
    expect(leaderSync.assignment).toEqual(Buffer.from('L'));
    expect(await followerSync).toEqual({ errorCode: ErrorCode.NONE, assignment: Buffer.from('F') });
    expect(coordinator.describeGroup('g').state).toBe('Stable');
  });

  test('the initial delay is extended while members keep arriving', async () => {
    coordinator.close();
    coordinator = newCoordinator({ initialRebalanceDelayMs: 60 });
    const first = coordinator.joinGroup(joinInput());
    await sleep(40);
    const second = coordinator.joinGroup(joinInput());
    const [a, b] = await Promise.all([first, second]);
    expect(a.generationId).toBe(1);
    expect(b.generationId).toBe(1);
  });

  test('a third member joining a Stable group triggers a rebalance to the next generation', async () => {
    const [a, b] = await formGroup(2);
    const c = coordinator.joinGroup(joinInput({ clientId: 'third' }));
    expect(coordinator.describeGroup('g').state).toBe('PreparingRebalance');
    expect(heartbeat(a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(heartbeat(b)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    // Offsets of the current generation are still accepted while rebalancing.
    expect(
      await coordinator.commitOffsets({
        groupId: 'g',
        generationId: a.generationId,
        memberId: a.memberId,
        offsets: [{ topic: 't', partition: 0, offset: 5n, leaderEpoch: -1, metadata: null }],
      }),
    ).toBe(ErrorCode.NONE);

    const rejoins = await Promise.all([
      c,
      coordinator.joinGroup(joinInput({ memberId: a.memberId })),
      coordinator.joinGroup(joinInput({ memberId: b.memberId })),
    ]);
    for (const r of rejoins) {
      expect(r.errorCode).toBe(ErrorCode.NONE);
      expect(r.generationId).toBe(2);
    }
    expect(rejoins[0].memberId).toMatch(/^third-/);
    expect(rejoins[0].leader).toBe(a.leader); // the old leader rejoined, so it stays leader
    const leader = rejoins.find((r) => r.memberId === r.leader)!;
    expect(leader.members).toHaveLength(3);
    await syncAll(rejoins);
    expect(coordinator.describeGroup('g').state).toBe('Stable');
  });

  test('a member that stops heartbeating is expired and the rest rebalance', async () => {
    const [a, b] = await formGroup(2, { sessionTimeoutMs: 150 });
    const keepAlive = setInterval(() => heartbeat(a), 30);
    try {
      await sleep(350);
      expect(coordinator.describeGroup('g').members.map((m) => m.memberId)).toEqual([a.memberId]);
      expect(heartbeat(a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
      expect(heartbeat(b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
      const rejoin = await coordinator.joinGroup(joinInput({ memberId: a.memberId, sessionTimeoutMs: 150 }));
      expect(rejoin.generationId).toBe(2);
      expect(rejoin.leader).toBe(a.memberId);
      expect(rejoin.members.map((m) => m.memberId)).toEqual([a.memberId]);
    } finally {
      clearInterval(keepAlive);
    }
  });

  test('a member with a pending JoinGroup is not expired by its session timeout', async () => {
    const timeouts = { sessionTimeoutMs: 100, rebalanceTimeoutMs: 400 };
    const [a, b] = await formGroup(2, timeouts);
    const keepAlive = setInterval(() => heartbeat(b), 30);
    try {
      // a rejoins (e.g. leader wants to reassign) and then waits well past its session timeout for b.
      const aJoin = coordinator.joinGroup(joinInput({ memberId: a.memberId, ...timeouts }));
      await sleep(250);
      expect(coordinator.describeGroup('g').members.map((m) => m.memberId)).toContain(a.memberId);
      clearInterval(keepAlive);
      const bJoin = coordinator.joinGroup(joinInput({ memberId: b.memberId, ...timeouts }));
      const [ra, rb] = await Promise.all([aJoin, bJoin]);
      expect(ra.generationId).toBe(2);
      expect(rb.generationId).toBe(2);
    } finally {
      clearInterval(keepAlive);
    }
  });

  test('members that do not rejoin within the rebalance timeout are dropped', async () => {
    const [a, b] = await formGroup(2, { rebalanceTimeoutMs: 150 });
    const started = Date.now();
    const ra = await coordinator.joinGroup(joinInput({ memberId: a.memberId, rebalanceTimeoutMs: 150 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(ra.generationId).toBe(2);
    expect(ra.leader).toBe(a.memberId);
    expect(ra.members.map((m) => m.memberId)).toEqual([a.memberId]);
    expect(heartbeat(b)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('leaving triggers a rebalance; the last leave drops a group without committed offsets, as Kafka does', async () => {
    const [a, b] = await formGroup(2);
    const left = coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: b.memberId, groupInstanceId: null }] });
    expect(left).toEqual({
      errorCode: ErrorCode.NONE,
      members: [{ memberId: b.memberId, groupInstanceId: null, errorCode: ErrorCode.NONE }],
    });
    expect(heartbeat(a)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const ra = await coordinator.joinGroup(joinInput({ memberId: a.memberId }));
    expect(ra.generationId).toBe(2);
    expect(ra.members.map((m) => m.memberId)).toEqual([a.memberId]);
    await syncAll([ra]);

    const unknown = coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: 'nope', groupInstanceId: null }] });
    expect(unknown.members[0].errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] });
    const described = coordinator.describeGroup('g');
    expect(described.state).toBe('Dead');
    expect(described.members).toEqual([]);
    expect(coordinator.listGroups()).toEqual([]);
  });

  test('the last leave of a group with committed offsets leaves it Empty', async () => {
    const [a] = await formGroup(1);
    const committed = await coordinator.commitOffsets({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: -1, metadata: '' }],
    });
    expect(committed).toBe(ErrorCode.NONE);
    coordinator.leaveGroup({ groupId: 'g', members: [{ memberId: a.memberId, groupInstanceId: null }] });
    expect(coordinator.describeGroup('g').state).toBe('Empty');
    expect(coordinator.listGroups().map((g) => g.groupId)).toEqual(['g']);
  });

  test('MEMBER_ID_REQUIRED: the client rejoins with the id it was given', async () => {
    const first = await coordinator.joinGroup(joinInput({ requireKnownMemberId: true }));
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^client-/);
    expect(coordinator.describeGroup('g').members).toEqual([]);
    const second = await coordinator.joinGroup(joinInput({ memberId: first.memberId, requireKnownMemberId: true }));
    expect(second.errorCode).toBe(ErrorCode.NONE);
    expect(second.memberId).toBe(first.memberId);
    expect(second.leader).toBe(first.memberId);
    expect(second.generationId).toBe(1);
  });

  test('a handed-out member id is forgotten after the session timeout', async () => {
    const first = await coordinator.joinGroup(joinInput({ requireKnownMemberId: true, sessionTimeoutMs: 60 }));
    await sleep(120);
    const late = await coordinator.joinGroup(joinInput({ memberId: first.memberId, requireKnownMemberId: true }));
    expect(late.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('join validation errors', async () => {
    expect((await coordinator.joinGroup(joinInput({ sessionTimeoutMs: 10 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await coordinator.joinGroup(joinInput({ sessionTimeoutMs: 60_001 }))).errorCode).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    expect((await coordinator.joinGroup(joinInput({ groupId: '' }))).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await coordinator.joinGroup(joinInput({ memberId: 'ghost' }))).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(coordinator.listGroups()).toEqual([]); // failed joins create nothing

    await formGroup(1);
    const otherType = await coordinator.joinGroup(joinInput({ protocolType: 'connect' }));
    expect(otherType.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const sticky = [{ name: 'sticky', metadata: Buffer.alloc(0) }];
    const noCommon = await coordinator.joinGroup(joinInput({ protocols: sticky }));
    expect(noCommon.errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(coordinator.describeGroup('g').state).toBe('Stable');
  });

  test('protocol choice: the most preferred protocol every member supports', async () => {
    const sticky = { name: 'sticky', metadata: Buffer.alloc(0) };
    const joins = await Promise.all([
      coordinator.joinGroup(joinInput({ protocols: [PROTOCOLS[1], PROTOCOLS[0]] })),
      coordinator.joinGroup(joinInput({ protocols: [sticky, PROTOCOLS[0], PROTOCOLS[1]] })),
      coordinator.joinGroup(joinInput({ protocols: [PROTOCOLS[0], sticky, PROTOCOLS[1]] })),
    ]);
    // 'sticky' is not supported by all; of the rest, 'roundrobin' gets two first-choice votes.
    for (const j of joins) expect(j.protocolName).toBe('roundrobin');
    const leader = joins.find((j) => j.memberId === j.leader)!;
    expect(leader.members.map((m) => m.metadata.toString())).toEqual(['rr', 'rr', 'rr']);
  });

  test('ILLEGAL_GENERATION and UNKNOWN_MEMBER_ID', async () => {
    const [a] = await formGroup(1);
    const stale = { ...a, generationId: a.generationId - 1 };
    expect(heartbeat(stale)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(heartbeat({ ...a, memberId: 'ghost' })).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(heartbeat(a, 'no-such-group')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    const sync = (generationId: number, memberId: string) =>
      coordinator.syncGroup({ groupId: 'g', generationId, memberId, groupInstanceId: null, assignments: [] });
    expect((await sync(a.generationId + 1, a.memberId)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync(a.generationId, 'ghost')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync(a.generationId, a.memberId)).assignment).toEqual(Buffer.from(`a-${a.memberId}`));

    const commit = (generationId: number, memberId: string) =>
      coordinator.commitOffsets({
        groupId: 'g',
        generationId,
        memberId,
        offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: 0, metadata: null }],
      });
    expect(await commit(a.generationId + 1, a.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await commit(a.generationId, 'ghost')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await commit(-1, '')).toBe(ErrorCode.UNKNOWN_MEMBER_ID); // simple commit into a live group
    expect(await commit(a.generationId, a.memberId)).toBe(ErrorCode.NONE);
  });

  test('commits are refused while CompletingRebalance', async () => {
    const join = await coordinator.joinGroup(joinInput());
    const code = await coordinator.commitOffsets({
      groupId: 'g',
      generationId: join.generationId,
      memberId: join.memberId,
      offsets: [{ topic: 't', partition: 0, offset: 1n, leaderEpoch: 0, metadata: null }],
    });
    expect(code).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  test('close answers parked joins and syncs with COORDINATOR_NOT_AVAILABLE', async () => {
    const [a, b] = await Promise.all([coordinator.joinGroup(joinInput()), coordinator.joinGroup(joinInput())]);
    const follower = a.memberId === a.leader ? b : a;
    const parkedSync = coordinator.syncGroup({
      groupId: 'g',
      generationId: follower.generationId,
      memberId: follower.memberId,
      groupInstanceId: null,
      assignments: [],
    });
    const parkedJoin = coordinator.joinGroup(joinInput({ groupId: 'other' }));
    coordinator.close();
    expect((await parkedSync).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    expect((await parkedJoin).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });

  test('a restarted static member takes over its identity without a rebalance', async () => {
    const [a] = await formGroup(1, { groupInstanceId: 'instance-1' });
    const again = await coordinator.joinGroup(joinInput({ groupInstanceId: 'instance-1' }));
    expect(again.errorCode).toBe(ErrorCode.NONE);
    expect(again.memberId).not.toBe(a.memberId);
    expect(again.generationId).toBe(a.generationId);
    expect(coordinator.describeGroup('g').state).toBe('Stable');
    const fenced = coordinator.heartbeat({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      groupInstanceId: 'instance-1',
    });
    expect(fenced.errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    const sync = await coordinator.syncGroup({
      groupId: 'g',
      generationId: again.generationId,
      memberId: again.memberId,
      groupInstanceId: 'instance-1',
      assignments: [],
    });
    expect(sync.assignment).toEqual(Buffer.from(`a-${a.memberId}`)); // keeps the old assignment
  });
});

describe('GroupCoordinator offsets', () => {
  const entry = (topic: string, partition: number, offset: bigint, metadata: string | null = null) => ({
    topic,
    partition,
    offset,
    leaderEpoch: 3,
    metadata,
  });

  test('simple commits create an Empty group; fetch reports -1 for unknown partitions', async () => {
    const code = await coordinator.commitOffsets({
      groupId: 'simple',
      generationId: -1,
      memberId: '',
      offsets: [entry('t', 0, 10n, 'meta'), entry('t', 1, 20n)],
    });
    expect(code).toBe(ErrorCode.NONE);
    expect(coordinator.listGroups()).toEqual([{ groupId: 'simple', protocolType: '', state: 'Empty' }]);
    expect(coordinator.fetchOffsets('simple', [{ topic: 't', partition: 0 }, { topic: 't', partition: 7 }])).toEqual([
      { topic: 't', partition: 0, offset: 10n, leaderEpoch: 3, metadata: 'meta' },
      { topic: 't', partition: 7, offset: -1n, leaderEpoch: -1, metadata: '' },
    ]);
    expect(coordinator.fetchOffsets('simple', null)).toHaveLength(2);
    expect(
      await coordinator.commitOffsets({
        groupId: 'nope',
        generationId: 4,
        memberId: 'm',
        offsets: [entry('t', 0, 1n)],
      }),
    ).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(
      await coordinator.commitOffsets({
        groupId: 'simple',
        generationId: -1,
        memberId: '',
        offsets: [entry('t', 0, 1n, 'x'.repeat(4097))],
      }),
    ).toBe(ErrorCode.OFFSET_METADATA_TOO_LARGE);
  });

  test('commits survive close and reopen; groups with offsets are listed as Empty', async () => {
    const [a] = await formGroup(1);
    await coordinator.commitOffsets({
      groupId: 'g',
      generationId: a.generationId,
      memberId: a.memberId,
      offsets: [entry('t', 0, 42n, 'hello'), entry('u', 2, 7n)],
    });
    coordinator.close();
    store.close();

    store = OffsetStore.open(dir);
    coordinator = newCoordinator();
    expect(coordinator.listGroups()).toEqual([{ groupId: 'g', protocolType: '', state: 'Empty' }]);
    expect(coordinator.fetchOffsets('g', [{ topic: 't', partition: 0 }])).toEqual([
      { topic: 't', partition: 0, offset: 42n, leaderEpoch: 3, metadata: 'hello' },
    ]);
    expect(store.get('g', 'u', 2)?.offset).toBe(7n);
    expect(store.get('g', 'u', 2)?.commitTimestampMs).toBeGreaterThan(0);
    // The old member is unknown after a restart; it must rejoin.
    expect(heartbeat(a)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('deleteTopic drops offsets durably and forgets groups left without offsets', async () => {
    await store.commit('g1', [entry('gone', 0, 1n), entry('kept', 0, 2n)]);
    await store.commit('g2', [entry('gone', 1, 3n)]);
    coordinator.close();
    coordinator = newCoordinator();
    await coordinator.deleteTopic('gone');
    expect(coordinator.listGroups().map((g) => g.groupId)).toEqual(['g1']);
    coordinator.close();
    store.close();
    store = OffsetStore.open(dir);
    coordinator = newCoordinator();
    expect(store.groupIds()).toEqual(['g1']);
    expect(store.listGroup('g1').map((e) => e.topic)).toEqual(['kept']);
  });

  test('deleteGroup removes an Empty group and its offsets only', async () => {
    await formGroup(1);
    expect(await coordinator.deleteGroup('g')).toBe(ErrorCode.NON_EMPTY_GROUP);
    expect(await coordinator.deleteGroup('none')).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    await coordinator.commitOffsets({ groupId: 's', generationId: -1, memberId: '', offsets: [entry('t', 0, 1n)] });
    expect(await coordinator.deleteGroup('s')).toBe(ErrorCode.NONE);
    expect(coordinator.describeGroup('s').state).toBe('Dead');
    expect(store.groupIds()).toEqual([]);
  });
});

describe('OffsetStore', () => {
  const entry = (offset: bigint, partition = 0) => ({ topic: 't', partition, offset, leaderEpoch: 0, metadata: null });
  const logFile = () => path.join(dir, 'offsets.log');

  test('a torn tail is ignored and cut off, later appends stay readable', async () => {
    await store.commit('g', [entry(1n)]);
    await store.commit('g', [entry(2n)]);
    store.close();
    const intactBytes = fs.statSync(logFile()).size;
    const whole = fs.readFileSync(logFile());
    // Half of a copy of the last record: a write torn by a crash.
    const lastRecordBytes = intactBytes / 2;
    fs.appendFileSync(logFile(), whole.subarray(intactBytes - lastRecordBytes, intactBytes - lastRecordBytes / 2));

    store = OffsetStore.open(dir);
    expect(store.get('g', 't', 0)?.offset).toBe(2n);
    expect(fs.statSync(logFile()).size).toBe(intactBytes);
    await store.commit('g', [entry(3n)]);
    store.close();

    // A record whose bytes are complete but corrupted is treated the same way.
    const bytes = fs.readFileSync(logFile());
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(logFile(), bytes);
    store = OffsetStore.open(dir);
    expect(store.get('g', 't', 0)?.offset).toBe(2n);
  });

  test('compaction rewrites the file with the latest values only', async () => {
    store.close();
    store = OffsetStore.open(dir, { compactFileBytesMin: 4096 });
    for (let i = 1; i <= 300; i++) await store.commit('g', [entry(BigInt(i)), entry(BigInt(i * 10), 1)]);
    await store.commit('h', [entry(5n)]);
    expect(store.compactionCount).toBeGreaterThan(0);
    expect(store.fileSizeBytes).toBeLessThan(4096 + 200);
    expect(fs.existsSync(path.join(dir, 'offsets.log.compact'))).toBe(false);
    store.close();

    store = OffsetStore.open(dir);
    expect(store.get('g', 't', 0)?.offset).toBe(300n);
    expect(store.get('g', 't', 1)?.offset).toBe(3000n);
    expect(store.get('h', 't', 0)?.offset).toBe(5n);
    expect(store.groupIds().sort()).toEqual(['g', 'h']);
  });

  test('concurrent commits share fsyncs', async () => {
    const commits = Array.from({ length: 50 }, (_, i) => store.commit(`g${i}`, [entry(BigInt(i))]));
    await Promise.all(commits);
    // The first append's fsync is in flight while the other 49 queue; they share the next one.
    expect(store.appendFsyncCount).toBeLessThanOrEqual(2);
    for (let i = 0; i < 50; i++) expect(store.get(`g${i}`, 't', 0)?.offset).toBe(BigInt(i));
  });

  test('a commit resolves only once durable and visible; commits after close are rejected', async () => {
    const pending = store.commit('g', [entry(9n)]);
    expect(store.get('g', 't', 0)).toBeUndefined();
    await pending;
    expect(store.get('g', 't', 0)?.offset).toBe(9n);
    store.close();
    await expect(store.commit('g', [entry(10n)])).rejects.toThrow('closed');
    store = OffsetStore.open(dir);
  });
});

import { BoundedLabels, PENDING_BUCKETS_MAX, PendingMinuteBuckets, minuteOf } from '../../src/observability/minute-buckets';

interface B {
  owner: string;
  minuteMs: number;
  n: number;
}

function buckets(write: (batch: B[]) => Promise<void>, ready = () => true) {
  const dropped: number[] = [];
  const pending = new PendingMinuteBuckets<B>({
    name: 'test',
    key: (b) => `${b.owner}/${b.minuteMs}`,
    merge: (into, from) => {
      into.n += from.n;
    },
    write,
    ready,
    onDropped: (n) => dropped.push(n),
  });
  return { pending, dropped };
}

describe('PendingMinuteBuckets', () => {
  it('merges adds to the same (owner, minute) and writes every bucket in one call', async () => {
    const writes: B[][] = [];
    const { pending } = buckets(async (batch) => void writes.push(batch.map((b) => ({ ...b }))));
    pending.add({ owner: 'a', minuteMs: 0, n: 2 });
    pending.add({ owner: 'a', minuteMs: 0, n: 3 });
    pending.add({ owner: 'a', minuteMs: 60_000, n: 1 });
    pending.add({ owner: 'b', minuteMs: 0, n: 4 });
    await pending.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toEqual([
      { owner: 'a', minuteMs: 0, n: 5 },
      { owner: 'a', minuteMs: 60_000, n: 1 },
      { owner: 'b', minuteMs: 0, n: 4 },
    ]);
    await pending.flush();
    expect(writes).toHaveLength(1); // nothing pending: no empty statement
  });

  it('keeps a batch the database refused and adds it to newer counts of the same bucket', async () => {
    let fail = true;
    const written: B[] = [];
    const { pending } = buckets(async (batch) => {
      if (fail) throw new Error('database down');
      written.push(...batch);
    });
    pending.add({ owner: 'a', minuteMs: 0, n: 2 });
    await pending.flush();
    expect(pending.size).toBe(1);
    pending.add({ owner: 'a', minuteMs: 0, n: 5 });
    fail = false;
    await pending.flush();
    expect(written).toEqual([{ owner: 'a', minuteMs: 0, n: 7 }]);
    expect(pending.size).toBe(0);
  });

  it('waits while the database is not ready, and drops (and reports) new buckets beyond the limit', async () => {
    let ready = false;
    const written: B[] = [];
    const { pending, dropped } = buckets(async (batch) => void written.push(...batch), () => ready);
    for (let i = 0; i < PENDING_BUCKETS_MAX + 3; i++) pending.add({ owner: `o${i}`, minuteMs: 0, n: 1 });
    // An existing bucket still counts past the limit.
    pending.add({ owner: 'o0', minuteMs: 0, n: 1 });
    expect(pending.size).toBe(PENDING_BUCKETS_MAX);
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(3);
    ready = true;
    await pending.stop();
    expect(written).toHaveLength(PENDING_BUCKETS_MAX);
    expect(written.find((b) => b.owner === 'o0')?.n).toBe(2);
  });

  it('shares one flush between concurrent callers', async () => {
    let calls = 0;
    let release!: () => void;
    const { pending } = buckets(() => {
      calls++;
      return new Promise<void>((r) => (release = r));
    });
    pending.add({ owner: 'a', minuteMs: 0, n: 1 });
    const first = pending.flush();
    const second = pending.flush();
    release();
    await Promise.all([first, second]);
    expect(calls).toBe(1);
  });
});

describe('minuteOf and BoundedLabels', () => {
  it('rounds down to the minute', () => {
    expect(minuteOf(Date.UTC(2026, 0, 1, 10, 5, 59, 999))).toBe(Date.UTC(2026, 0, 1, 10, 5));
  });

  it('keeps the first `max` ids as labels and names the rest _other', () => {
    const labels = new BoundedLabels(2);
    expect([labels.of('a'), labels.of('b'), labels.of('c'), labels.of('a')]).toEqual(['a', 'b', '_other', 'a']);
  });
});

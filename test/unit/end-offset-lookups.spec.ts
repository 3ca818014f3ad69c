// Strong reads share end-offset lookups, but never one that started before they arrived.
import { EndOffsetsLookups } from '../../src/log/end-offset-lookups';

describe('EndOffsetsLookups', () => {
  const setup = () => {
    const calls: { resolve: (m: Map<number, bigint>) => void; reject: (e: Error) => void }[] = [];
    const lookups = new EndOffsetsLookups(
      () => new Promise<Map<number, bigint>>((resolve, reject) => calls.push({ resolve, reject })),
    );
    const answer = (i: number, end: number) => calls[i].resolve(new Map([[0, BigInt(end)]]));
    return { calls, lookups, answer };
  };
  const flush = () => new Promise((r) => setImmediate(r));

  it('readers arriving while a lookup runs join ONE lookup that starts after it', async () => {
    const { calls, lookups, answer } = setup();
    const first = lookups.get('t');
    expect(calls).toHaveLength(1);
    const later = [lookups.get('t'), lookups.get('t'), lookups.get('t')];
    await flush();
    expect(calls).toHaveLength(1); // nobody reuses the running lookup, nor starts one of their own yet
    answer(0, 10);
    expect((await first).get(0)).toBe(10n);
    await flush();
    expect(calls).toHaveLength(2);
    answer(1, 20);
    for (const r of await Promise.all(later)) expect(r.get(0)).toBe(20n);
  });

  it('a failed lookup fails its readers only; the queued readers get a fresh one', async () => {
    const { calls, lookups, answer } = setup();
    const first = lookups.get('t');
    const second = lookups.get('t');
    calls[0].reject(new Error('broker away'));
    await expect(first).rejects.toThrow('broker away');
    await flush();
    answer(1, 5);
    expect((await second).get(0)).toBe(5n);
    // Idle again: the next reader starts its own lookup at once.
    const third = lookups.get('t');
    expect(calls).toHaveLength(3);
    answer(2, 6);
    expect((await third).get(0)).toBe(6n);
  });

  it('topics do not share lookups', async () => {
    const { calls, lookups, answer } = setup();
    const a = lookups.get('a');
    const b = lookups.get('b');
    expect(calls).toHaveLength(2);
    answer(0, 1);
    answer(1, 2);
    expect((await a).get(0)).toBe(1n);
    expect((await b).get(0)).toBe(2n);
  });
});

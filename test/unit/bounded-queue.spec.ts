import { BoundedQueue, QueueFullError } from '../../src/common/bounded-queue';
import { AppliedOffsets } from '../../src/materialize/applied-offsets';

describe('BoundedQueue', () => {
  it('refuses an item past its limit, and reports the summed depth of its name', () => {
    const a = new BoundedQueue<number>('test_queue', 2);
    const b = new BoundedQueue<number>('test_queue', 2);
    a.push(1);
    a.push(2);
    expect(() => a.push(3)).toThrow(QueueFullError);
    b.push(9);
    expect(BoundedQueue.depth('test_queue')).toEqual({ depth: 3, limit: 2 });
    expect(a.takeWhere((x) => x === 1)).toEqual([1]);
    expect(a.shift()).toBe(2);
    a.dispose();
    expect(BoundedQueue.depth('test_queue').depth).toBe(1);
    b.dispose();
  });

  it('requires a limit and a metric-safe name', () => {
    expect(() => new BoundedQueue('q', 0)).toThrow(/positive integer/);
    expect(() => new BoundedQueue('Bad-Name', 1)).toThrow(/\[a-z0-9_\]/);
  });
});

describe('AppliedOffsets', () => {
  it('resolves a waiter when its offset is applied, false on timeout or close', async () => {
    const applied = new AppliedOffsets(2);
    const ok = applied.waitFor(1, 5n, 10_000);
    const late = applied.waitFor(0, 3n, 20);
    applied.advance(1, 6n);
    await expect(ok).resolves.toBe(true);
    await expect(late).resolves.toBe(false);
    const pending = applied.waitFor(0, 9n, 10_000);
    applied.close();
    await expect(pending).resolves.toBe(false);
  });
});

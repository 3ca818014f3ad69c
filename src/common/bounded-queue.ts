// A FIFO with a required limit, whose depth is visible as a metric: every queue in
// the app that grows with load (applied-offset waiters, shard builds waiting for a
// worker) is one of these, so none can grow without bound unseen. Instances are
// grouped by name; `intake_<name>_depth` sums them and `_limit` is the per-instance
// limit (see MetricsService.registerBoundedQueues). The broker keeps its own limits:
// it imports nothing from the app.

export class QueueFullError extends Error {
  constructor(readonly queue: string, readonly limit: number) {
    super(`queue ${queue} is full (${limit} items)`);
    this.name = 'QueueFullError';
  }
}

export class BoundedQueue<T> {
  private static readonly live = new Map<string, { limit: number; queues: Set<BoundedQueue<unknown>> }>();
  private items: T[] = [];

  constructor(
    /** Metric-safe name: [a-z0-9_]+. */
    readonly name: string,
    readonly limit: number,
  ) {
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bounded queue name must match [a-z0-9_]+, got '${name}'`);
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`bounded queue ${name}: limit must be a positive integer, got ${limit}`);
    const group = BoundedQueue.live.get(name) ?? { limit, queues: new Set() };
    group.queues.add(this as BoundedQueue<unknown>);
    BoundedQueue.live.set(name, group);
  }

  get length(): number {
    return this.items.length;
  }

  /** Adds at the tail; throws QueueFullError at the limit (the caller decides: wait, refuse, 503). */
  push(item: T): void {
    if (this.items.length >= this.limit) throw new QueueFullError(this.name, this.limit);
    this.items.push(item);
  }

  shift(): T | undefined {
    return this.items.shift();
  }

  /** Removes and returns the items `take` selects, keeping the order of the rest. */
  takeWhere(take: (item: T) => boolean): T[] {
    const taken: T[] = [];
    this.items = this.items.filter((i) => (take(i) ? (taken.push(i), false) : true));
    return taken;
  }

  drain(): T[] {
    return this.items.splice(0);
  }

  /** Forgets the queue (its items too) for the metrics. */
  dispose(): void {
    this.items = [];
    BoundedQueue.live.get(this.name)?.queues.delete(this as BoundedQueue<unknown>);
  }

  /** Total items across the live queues of `name`, and their per-instance limit. */
  static depth(name: string): { depth: number; limit: number } {
    const group = BoundedQueue.live.get(name);
    let depth = 0;
    for (const q of group?.queues ?? []) depth += q.length;
    return { depth, limit: group?.limit ?? 0 };
  }
}

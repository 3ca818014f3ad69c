// Group commit: at most one sync round runs at a time, and every caller that arrives
// while it runs shares the single round that starts when it finishes. N concurrent
// flushes therefore cost at most two rounds, however large N is.

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers await it; this only keeps a round whose caller went away from being "unhandled".
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class GroupCommit {
  /** The round running now; resolves once it is durable. */
  private inFlight: Promise<void> | null = null;
  /** Callers waiting for the round after the current one. */
  private queued: Deferred | null = null;

  /**
   * @param hasPending whether anything was written since the last round started
   * @param runRound must snapshot what it syncs synchronously, before its first await,
   *   so writes made during the round are left for the next one
   */
  constructor(
    private readonly hasPending: () => boolean,
    private readonly runRound: () => Promise<void>,
  ) {}

  /** Resolves once everything written before this call is durable. */
  request(): Promise<void> {
    if (this.queued === null && !this.hasPending()) {
      // Whatever was written is already durable or part of the running round.
      return this.inFlight ?? Promise.resolve();
    }
    if (this.queued === null) this.queued = deferred();
    const waiting = this.queued.promise;
    if (this.inFlight === null) this.start();
    return waiting;
  }

  /** Settles callers whose round has not started (on shutdown, after a final sync or not). */
  settleQueued(error: unknown): void {
    const round = this.queued;
    this.queued = null;
    if (round === null) return;
    if (error === null) round.resolve();
    else round.reject(error);
  }

  private start(): void {
    const round = this.queued;
    if (round === null) return;
    this.queued = null;
    this.inFlight = round.promise;
    let running: Promise<void>;
    try {
      running = this.runRound();
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(
      () => this.finish(round, null),
      (err: unknown) => this.finish(round, err ?? new Error('sync round failed')),
    );
  }

  private finish(round: Deferred, error: unknown): void {
    this.inFlight = null;
    if (error === null) round.resolve();
    else round.reject(error);
    this.start();
  }
}

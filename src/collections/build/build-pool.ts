// At most `workersMax` shard builds run in worker threads at once; the rest wait
// their turn, first come first served, in a BoundedQueue (a limit, and a depth
// gauge when the queue's name is registered with the metrics), so a burst of
// finalizes cannot pile up without bound or unseen. A finished build hands its slot
// straight to the next waiter, so a caller arriving meanwhile cannot jump the queue
// and push the running count past the limit.
//
// runBuilds (the benchmark's and the tests' way to build several shards at once)
// goes through a pool of its own. Each job's vectors are transferred to its worker
// when that job STARTS (see shard-builder.ts), so a queued job's array stays usable
// until then. If a job fails, no further job is started, the running ones are
// terminated, and the promise rejects with the first failure once every started
// worker has stopped (so nothing is still writing into an outDir when the caller
// cleans up).

import * as os from 'node:os';
import { BoundedQueue } from '../../common/bounded-queue';
import { BuildProgress, BuildResult, ShardBuildJob, buildShardInWorker } from './shard-builder';

export class BuildPool {
  private running = 0;
  private readonly waiting: BoundedQueue<() => void>;

  constructor(
    /** The waiting queue's metric-safe name (see BoundedQueue). */
    readonly name: string,
    readonly workersMax: number,
    waitingMax: number,
  ) {
    if (!Number.isInteger(workersMax) || workersMax < 1) {
      throw new Error(`build pool ${name}: concurrency must be a positive integer, got ${workersMax}`);
    }
    this.waiting = new BoundedQueue<() => void>(name, waitingMax);
  }

  /** Runs `work` once a slot is free; throws QueueFullError when waitingMax builds already wait. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.workersMax) this.running++;
    else await new Promise<void>((granted) => this.waiting.push(granted));
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Forgets the waiting queue for the metrics (a pool that is done with). */
  dispose(): void {
    this.waiting.dispose();
  }
}

export interface PoolProgress extends BuildProgress {
  /** Index of the job this report is about (indexed/total are that job's). */
  job: number;
  /** All jobs together. */
  overall: BuildProgress;
}

/** Builds every job, at most `concurrency` at once, and returns their results in job order. */
export async function runBuilds(
  jobs: ShardBuildJob[],
  concurrency: number = os.availableParallelism(),
  onProgress?: (p: PoolProgress) => void,
): Promise<BuildResult[]> {
  const pool = new BuildPool('run_builds_waiting', concurrency, Math.max(1, jobs.length));
  // Read before any transfer detaches the vectors.
  const totals = jobs.map((j) => j.rows?.ids?.length ?? 0);
  const indexed = totals.map(() => 0);
  const overall: BuildProgress = { indexed: 0, total: totals.reduce((a, b) => a + b, 0) };

  const results = new Array<BuildResult>(jobs.length);
  const abort = new AbortController();
  let failure: { error: unknown } | null = null;

  const build = (i: number) =>
    pool.run(async () => {
      if (failure !== null) return; // a job failed before this one's turn: never start it
      try {
        results[i] = await buildShardInWorker(
          jobs[i],
          onProgress &&
            ((p) => {
              overall.indexed += p.indexed - indexed[i];
              indexed[i] = p.indexed;
              onProgress({ job: i, indexed: p.indexed, total: p.total, overall: { ...overall } });
            }),
          { signal: abort.signal },
        );
      } catch (error) {
        if (failure === null) {
          failure = { error };
          abort.abort(new Error('runBuilds: cancelled because another build failed'));
        }
      }
    });
  try {
    await Promise.all(jobs.map((_, i) => build(i)));
  } finally {
    pool.dispose();
  }
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}

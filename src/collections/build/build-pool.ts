// Runs several shard builds in worker threads, at most `concurrency` at a time (one
// per core by default), and returns their results in job order.
//
// Each job's vectors are transferred to its worker when that job STARTS (see
// shard-builder.ts), so a queued job's array stays usable until then.
// If a job fails, no further job is started, the running ones are terminated, and the
// promise rejects with the first failure once every started worker has stopped (so
// nothing is still writing into an outDir when the caller cleans up).

import * as os from 'node:os';
import { BuildProgress, BuildResult, ShardBuildJob, buildShardInWorker } from './shard-builder';

export interface PoolProgress extends BuildProgress {
  /** Index of the job this report is about (indexed/total are that job's). */
  job: number;
  /** All jobs together. */
  overall: BuildProgress;
}

export async function runBuilds(
  jobs: ShardBuildJob[],
  concurrency: number = os.availableParallelism(),
  onProgress?: (p: PoolProgress) => void,
): Promise<BuildResult[]> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`runBuilds: concurrency must be a positive integer, got ${concurrency}`);
  }
  // Read before any transfer detaches the vectors.
  const totals = jobs.map((j) => j.rows?.ids?.length ?? 0);
  const indexed = totals.map(() => 0);
  const overall: BuildProgress = { indexed: 0, total: totals.reduce((a, b) => a + b, 0) };

  const results = new Array<BuildResult>(jobs.length);
  const abort = new AbortController();
  let failure: { error: unknown } | null = null;
  let next = 0;

  const lane = async (): Promise<void> => {
    while (failure === null && next < jobs.length) {
      const i = next++;
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
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}

// Worker-thread entry of a shard build (started by buildShardInWorker): runs buildShard
// on the job it was given (workerData; the vectors' buffer was transferred, not copied),
// posts progress (every 1% of the rows, at most 2,000 rows apart), then the result or
// the error. Leaving the script lets the worker exit with code 0.
import { parentPort, workerData } from 'node:worker_threads';
import { BuildProgress, ShardBuildJob, WorkerMessage, buildShard } from './shard-builder';

const port = parentPort;
if (!port) throw new Error('shard-build.worker must run in a worker thread');
const post = (m: WorkerMessage): void => port.postMessage(m);

try {
  const result = buildShard(workerData as ShardBuildJob, (p: BuildProgress) => post({ type: 'progress', ...p }));
  post({ type: 'done', result });
} catch (err) {
  const e = err as { message?: unknown; name?: unknown; code?: unknown };
  post({
    type: 'error',
    message: err instanceof Error ? err.message : String(err),
    name: typeof e?.name === 'string' ? e.name : undefined,
    code: typeof e?.code === 'string' ? e.code : undefined,
  });
}

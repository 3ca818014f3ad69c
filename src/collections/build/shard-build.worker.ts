// Worker-thread entry of a shard build: runs buildShard on the job it was given
// and reports progress, then the result or the error.
import { parentPort, workerData } from 'node:worker_threads';
import { ShardBuildJob, buildShard } from './shard-builder';

const port = parentPort;
if (!port) throw new Error('shard-build.worker must run in a worker thread');
try {
  const result = buildShard(workerData as ShardBuildJob, (p) => port.postMessage({ type: 'progress', ...p }));
  port.postMessage({ type: 'done', result });
} catch (err) {
  port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}

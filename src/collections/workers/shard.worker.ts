// Worker-thread entry of the shard worker pool (shard-worker-pool.ts): holds the live
// indexes of the shards it was given and runs every hnswlib call on them (inserts,
// searches, checkpoints), so the main thread keeps HTTP, the log and the broker.
// Requests are answered strictly in arrival order.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { writeDirAtomically } from '../atomic-dir';
import { ShardHit, ShardIndex, ShardIndexError } from '../shard-index';
import { RejectedOp, ReplyEnvelope, ShardEnvelope, ShardReply, ShardRequest, TEST_HOOKS_ENV } from './shard-protocol';

const port = parentPort;
if (!port) throw new Error('shard.worker must run in a worker thread');

const shards = new Map<string, ShardIndex>();

function shard(key: string): ShardIndex {
  const index = shards.get(key);
  if (!index) throw new Error(`shard ${key} is not open in this worker`);
  return index;
}

function handle(request: ShardRequest): ShardReply {
  switch (request.op) {
    case 'open': {
      const index = request.load
        ? ShardIndex.loadFrom(request.dir)
        : ShardIndex.create({ dimension: request.dimension, metric: request.metric, hnsw: request.hnsw });
      shards.set(request.key, index);
      return { ok: true, size: index.size };
    }
    case 'apply': {
      const index = shard(request.key);
      const { ids, upsert, vectors, metadata } = request;
      const dimension = index.dimension;
      const rejected: RejectedOp[] = [];
      let v = 0;
      for (let i = 0; i < ids.length; i++) {
        try {
          if (upsert[i] === 1) {
            const at = v++;
            index.upsert(ids[i], vectors.subarray(at * dimension, (at + 1) * dimension), metadata?.[at] ?? null);
          } else index.delete(ids[i]);
        } catch (err) {
          // A vector the index refuses (e.g. all zeros under cosine) is filed by the caller; the rest go on.
          if (!(err instanceof ShardIndexError)) throw err;
          rejected.push({ at: i, code: err.code, message: err.message });
        }
      }
      return { ok: true, size: index.size, rejected };
    }
    case 'search': {
      let hits: ShardHit[] = [];
      for (const key of request.keys) hits = hits.concat(shard(key).search(request.query, request.k, request.ef));
      if (request.keys.length > 1) hits.sort((a, b) => b.score - a.score);
      hits = hits.slice(0, request.k);
      return { ok: true, ids: hits.map((h) => h.id), scores: hits.map((h) => h.score) };
    }
    case 'has': {
      const index = shard(request.key);
      return { ok: true, has: request.ids.map((id) => index.has(id)) };
    }
    case 'checkpoint': {
      const index = shard(request.key);
      writeDirAtomically(request.dir, (tmp) => {
        index.saveTo(tmp);
        fs.writeFileSync(path.join(tmp, request.offsetFile), request.offsetJson);
      });
      return { ok: true, size: index.size };
    }
    case 'save':
      shard(request.key).saveTo(request.dir);
      return { ok: true };
    case 'load': {
      const index = ShardIndex.loadFrom(request.dir);
      shards.set(request.key, index);
      return { ok: true, size: index.size };
    }
    case 'close':
      shards.delete(request.key);
      return { ok: true };
    case 'crash':
      if (process.env[TEST_HOOKS_ENV] !== '1') throw new Error(`crash is a test hook (${TEST_HOOKS_ENV}=1)`);
      // Inside a worker, process.exit ends this thread only: what a crash of the thread looks like to the pool.
      process.exit(70);
    // eslint-disable-next-line no-fallthrough
    case 'shutdown':
      port!.close();
      return { ok: true };
  }
}

port.on('message', ({ id, request }: ShardEnvelope) => {
  let reply: ShardReply;
  try {
    reply = handle(request);
  } catch (err) {
    const e = err as { message?: unknown; name?: unknown; code?: unknown };
    reply = {
      ok: false,
      message: err instanceof Error ? err.message : String(err),
      name: typeof e?.name === 'string' ? e.name : undefined,
      code: typeof e?.code === 'string' ? e.code : undefined,
    };
  }
  if (request.op !== 'shutdown') port.postMessage({ id, reply } satisfies ReplyEnvelope);
});

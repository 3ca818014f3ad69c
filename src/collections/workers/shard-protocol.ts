// The messages between the main thread and a shard worker (shard.worker.ts). A worker
// hosts the live ShardIndex of several shards, keyed by `<collection>/<partition>`,
// and answers each request in the order it arrived (one thread, one queue), so a
// checkpoint posted after an apply saves that apply. Vectors cross as one
// Float32Array per batch whose buffer is transferred, never as JSON.

import type { HnswParams, Metadata, Metric } from '../shard-index';

export type ShardRequest =
  /** Loads the shard from its checkpoint directory (`load`), or creates an empty one. */
  | { op: 'open'; key: string; dir: string; load: boolean; dimension: number; metric: Metric; hnsw: HnswParams }
  /**
   * Applies upserts and deletes in log order. `upsert[i]` = 1 for an upsert, 0 for a
   * delete; upserts take their vectors from `vectors` in order (dimension floats each)
   * and their metadata from `metadata` (same order; omitted when none has any).
   */
  | { op: 'apply'; key: string; ids: string[]; upsert: Uint8Array; vectors: Float32Array; metadata?: (Metadata | null)[] }
  /** k best of each listed shard, merged, best first. */
  | { op: 'search'; keys: string[]; query: Float32Array; k: number; ef?: number }
  | { op: 'has'; key: string; ids: string[] }
  /** Writes graph + sidecar + the offset file atomically into `dir` (writeDirAtomically). */
  | { op: 'checkpoint'; key: string; dir: string; offsetFile: string; offsetJson: string }
  /** Writes the index into an existing directory (the base of a session build). */
  | { op: 'save'; key: string; dir: string }
  /** Replaces the shard's index with the one saved in `dir` (a finished session build). */
  | { op: 'load'; key: string; dir: string }
  | { op: 'close'; key: string }
  /** Test-only (INTAKE_SHARD_WORKER_TEST_HOOKS=1): the worker exits as if it had crashed. */
  | { op: 'crash' }
  /** Closes the worker's port: it exits once the requests before this one are answered. */
  | { op: 'shutdown' };

export interface RejectedOp {
  /** Position in the apply request. */
  at: number;
  code: string;
  message: string;
}

export type ShardReply =
  | { ok: true; size?: number; rejected?: RejectedOp[]; ids?: string[]; scores?: number[]; has?: boolean[] }
  | { ok: false; message: string; name?: string; code?: string };

export interface ShardEnvelope {
  id: number;
  request: ShardRequest;
}

export interface ReplyEnvelope {
  id: number;
  reply: ShardReply;
}

/** Environment switch for the test-only `crash` request. */
export const TEST_HOOKS_ENV = 'INTAKE_SHARD_WORKER_TEST_HOOKS';

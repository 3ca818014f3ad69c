// What a shard does when an ingest session's finalize record reaches it: build the
// session's staged rows into an index in a build worker thread, then hand the built
// index's directory back to be swapped in (loaded by the shard's own worker).
// Searches keep using the old index until the swap.
//   build  → a fresh index of the session's rows only (replaces the shard's index)
//   upsert → the current index plus the rows (a later row for an id replaces it)
//   insert → like upsert, but a row whose id exists (in the index or earlier in
//            the session) is an ingest error (DUPLICATE_ID), not an overwrite

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FinalizeCommand } from './session-record';
import { BuildPool } from '../collections/build/build-pool';
import { buildShardInWorker } from '../collections/build/shard-builder';
import type { CollectionSpec } from '../collections/collection-spec';
import type { StagedRow } from './session-staging';

/** Concurrent worker builds in this process: one per core, shards beyond wait. */
const BUILD_WORKERS_MAX = Math.max(1, os.availableParallelism());
/** Shard builds waiting for a worker; past this a finalize fails and is retried from the log. */
export const BUILDS_WAITING_MAX = 4_096;
export const BUILD_QUEUE = 'shard_builds_waiting';
const builds = new BuildPool(BUILD_QUEUE, BUILD_WORKERS_MAX, BUILDS_WAITING_MAX);

/** The shard's live index, wherever it is held (a shard worker thread). */
export interface LiveShard {
  /** Whether the index holds each of these ids. */
  holds(ids: string[]): Promise<boolean[]>;
  /** Writes the index into an existing directory (ShardIndex.saveTo). */
  saveTo(dir: string): Promise<void>;
}

export interface FinalizeShardInput {
  current: LiveShard;
  rows: StagedRow[];
  command: FinalizeCommand;
  spec: CollectionSpec;
  /** Scratch space for this build; removed on failure, else by the caller after the swap. */
  workDir: string;
  onProgress(indexed: number, total: number): void;
  onDuplicate(row: StagedRow): Promise<unknown>;
  /** Aborting stops the build between two rows (the node is stopping); the finalize is redone after a restart. */
  signal?: AbortSignal;
}

export interface FinalizedShard {
  /** The directory of the built index to swap in (inside workDir); null: nothing changes. */
  builtDir: string | null;
  /** Rows the index refused during the build; the caller files them before the swap. */
  rejected: { row: StagedRow; code: string; message: string }[];
}

export async function finalizeShard(input: FinalizeShardInput): Promise<FinalizedShard> {
  const { command, spec, current } = input;
  let rows = input.rows;
  if (command.mode === 'insert') {
    const seen = new Set<string>();
    const fresh: StagedRow[] = [];
    const held = await current.holds(rows.map((r) => r.id));
    for (const [i, row] of rows.entries()) {
      if (held[i] || seen.has(row.id)) await input.onDuplicate(row);
      else fresh.push(row);
      seen.add(row.id);
    }
    rows = fresh;
  }
  if (command.mode !== 'build' && rows.length === 0) return { builtDir: null, rejected: [] };

  fs.rmSync(input.workDir, { recursive: true, force: true });
  const baseDir = command.mode === 'build' ? null : path.join(input.workDir, 'base');
  const outDir = path.join(input.workDir, 'out');
  fs.mkdirSync(outDir, { recursive: true });
  try {
    if (baseDir) {
      fs.mkdirSync(baseDir);
      await current.saveTo(baseDir);
    }
    const vectors = new Float32Array(rows.length * spec.dimension);
    rows.forEach((r, i) => vectors.set(r.vector, i * spec.dimension));
    const built = await builds.run(() =>
      buildShardInWorker(
        {
          dimension: spec.dimension,
          metric: spec.metric,
          hnsw: command.params,
          rows: { ids: rows.map((r) => r.id), vectors },
          baseDir,
          exactCapacity: command.optimize,
          outDir,
        },
        (p) => input.onProgress(p.indexed, p.total),
        { signal: input.signal },
      ),
    );
    return {
      builtDir: outDir,
      rejected: built.rejected.map((r) => ({ row: rows[r.row], code: r.code, message: r.message })),
    };
  } catch (err) {
    fs.rmSync(input.workDir, { recursive: true, force: true });
    throw err;
  }
}

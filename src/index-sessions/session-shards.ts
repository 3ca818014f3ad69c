// The index-session side of one collection's materializer: rows of open sessions
// staged per shard, and the finalize that builds them into the shard's index.
// The collection materializer hands it session rows and finalize records; this
// file owns what happens to them (docs/topics.md, "Index ingest sessions").
//
// Invariants that keep finalize from losing rows:
//  - staged rows are released only once the shard's worker has swapped the built
//    index in (nothing else of that shard runs in between: its batches are applied
//    one at a time), and the marker's offset is remembered in that step, so a
//    redelivered marker is skipped instead of building from released staging;
//  - a row the index refuses during the build is filed (flushed) before the swap.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { IngestErrorReason } from '../common/errors';
import type { CollectionSpec } from '../collections/collection-spec';
import type { ConsumedRecord } from '../log/envelope';
import type { ApplyContext } from '../materialize/materializer';
import { FinalizeCommand } from './session-record';
import { SessionStaging, StagedRow } from './session-staging';
import { LiveShard, finalizeShard } from './shard-finalizer';

/** What the collection materializer lends the session logic. */
export interface SessionShardHost {
  readonly spec: CollectionSpec;
  /** Scratch space for builds. */
  readonly dir: string;
  shard(partition: number): LiveShard;
  /** Swaps in the index built into `dir` (the shard's worker loads it). */
  swap(partition: number, dir: string): Promise<void>;
  /** Called once this node has swapped in a session's build on every shard. */
  onSessionBuilt(session: string): Promise<unknown>;
}

/** Progress of a session's finalize, summed over this collection's shards. */
export interface BuildProgress {
  indexed: number;
  total: number;
}

export class SessionShards {
  private staging: SessionStaging[];
  private readonly builds = new Map<string, Map<number, BuildProgress>>();
  /** Partition → offset of the finalize record whose build is running. */
  private readonly building = new Map<number, bigint>();
  /** Partition → offset of the last finalize record swapped in (a redelivery at or below it is skipped). */
  private readonly lastBuilt = new Map<number, bigint>();
  private readonly builtShards = new Map<string, number>();
  /** Aborted when the node stops: running builds end at their next row instead of holding the stop up. */
  private readonly stopping = new AbortController();

  constructor(private readonly host: SessionShardHost) {
    this.staging = Array.from({ length: host.spec.shards }, () => new SessionStaging());
  }

  /** Forgets a shard's staged rows and last finalize (before it is restored from its checkpoint again). */
  reset(partition: number): void {
    this.staging[partition] = new SessionStaging();
    this.lastBuilt.delete(partition);
  }

  /** From a checkpoint: sessions open then, and the last finalize swapped in. */
  restore(partition: number, saved: { openSessions?: Record<string, string>; lastFinalize?: string }): void {
    this.staging[partition].restore(saved.openSessions ?? {});
    if (saved.lastFinalize !== undefined) this.lastBuilt.set(partition, BigInt(saved.lastFinalize));
  }

  /** For the checkpoint. */
  checkpointState(partition: number): { openSessions: Record<string, string>; lastFinalize?: string } {
    const last = this.lastBuilt.get(partition);
    return { openSessions: this.staging[partition].openSessions(), ...(last === undefined ? {} : { lastFinalize: last.toString() }) };
  }

  /** Where a restart must replay from to stage open sessions' rows again. */
  earliestOffset(partition: number): bigint | null {
    return this.staging[partition].earliestOffset();
  }

  /** Stages a session row; returns why not when the shard's staging is full. */
  stage(partition: number, session: string, row: StagedRow): string | null {
    return this.staging[partition].stage(session, row.offset, row) ? null : 'too many staged rows in this shard; finalize the session first';
  }

  /** During a replay below the checkpoint: stages the row again if its session was still open then. */
  restage(partition: number, session: string, row: StagedRow): void {
    if (this.staging[partition].wasOpenAt(session, row.offset)) this.staging[partition].stage(session, row.offset, row);
  }

  async finalize(partition: number, command: FinalizeCommand, marker: ConsumedRecord, context: ApplyContext): Promise<void> {
    const last = this.lastBuilt.get(partition);
    if (last !== undefined && marker.offset <= last) return;
    const staging = this.staging[partition];
    const rows = [...staging.rows(command.session)];
    const progress = this.builds.get(command.session) ?? new Map<number, BuildProgress>();
    this.builds.set(command.session, progress);
    progress.set(partition, { indexed: 0, total: rows.length });
    this.building.set(partition, marker.offset);
    const workDir = path.join(this.host.dir, `build-${partition}`);
    const asRecord = (row: StagedRow) => ({
      offset: row.offset,
      key: Buffer.from(row.id),
      value: Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength),
      headers: { 'intake-op': 'upsert', 'intake-session': command.session },
    });
    try {
      const built = await finalizeShard({
        current: this.host.shard(partition),
        rows,
        command,
        spec: this.host.spec,
        workDir,
        onProgress: (indexed, total) => progress.set(partition, { indexed, total }),
        signal: this.stopping.signal,
        onDuplicate: async (row) =>
          context.fail(asRecord(row), IngestErrorReason.DUPLICATE_ID, `insert mode: id '${row.id}' already exists; session ${command.session} did not overwrite it`),
      });
      for (const r of built.rejected) {
        context.fail(asRecord(r.row), ingestReasonOf(r.code), `session ${command.session}, id '${r.row.id}': ${r.message}`);
      }
      // Filed before the swap: if filing fails, the build is retried with every row still staged.
      await context.flush();
      if (built.builtDir !== null) await this.host.swap(partition, built.builtDir);
      // Released in the same step as the swap: nothing else runs on this shard in between.
      staging.release(command.session);
      this.lastBuilt.set(partition, marker.offset);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
      this.building.delete(partition);
      progress.set(partition, { indexed: rows.length, total: rows.length });
    }
    const done = (this.builtShards.get(command.session) ?? 0) + 1;
    this.builtShards.set(command.session, done);
    if (done === this.host.spec.shards) {
      this.builtShards.delete(command.session);
      this.builds.delete(command.session);
      await this.host.onSessionBuilt(command.session);
    }
  }

  /** Ends running builds (their batches fail and are redone from the log after a restart). */
  stopBuilds(): void {
    this.stopping.abort(new Error('the node is stopping'));
  }

  /**
   * What a strong read waits for: the log end, except that a shard busy building
   * a finalized session answers from its old index with everything before the
   * finalize record (seed 001: searches keep working during the build).
   */
  readableEnds(ends: Map<number, bigint>): Map<number, bigint> {
    const out = new Map(ends);
    for (const [p, markerOffset] of this.building) {
      const end = out.get(p);
      if (end !== undefined && markerOffset < end) out.set(p, markerOffset);
    }
    return out;
  }

  /** Rows indexed so far / total, summed over shards, while a session is being finalized. */
  buildProgress(session: string): BuildProgress | null {
    const progress = this.builds.get(session);
    if (!progress) return null;
    let indexed = 0;
    let total = 0;
    for (const p of progress.values()) {
      indexed += p.indexed;
      total += p.total;
    }
    return { indexed, total };
  }
}

/** A ShardIndexError code as an ingest_errors reason. */
function ingestReasonOf(code: string): IngestErrorReason {
  if (code === 'INVALID_VECTOR') return IngestErrorReason.INVALID_VECTOR;
  if (code === 'DIMENSION_MISMATCH') return IngestErrorReason.WRONG_DIMENSION;
  return IngestErrorReason.INVALID_RECORD;
}

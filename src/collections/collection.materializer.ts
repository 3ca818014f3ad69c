// One collection's read model on this node: one HNSW index per partition of the
// collection's topic, fed by the shared MaterializerRunner in replica mode (every
// node serves every shard). The indexes live in worker threads (ShardWorkerPool):
// this class decodes on the main thread, sends each shard's batch to its worker
// (vectors in one transferred Float32Array) and waits for it, so a shard has at most
// one batch in a worker and a backlog stays in the log. The worker that holds a
// shard takes its checkpoints: its index and next offset in one atomic directory,
// so a restart resumes exactly after the last applied record and a replay (delete
// the checkpoint, restart) rebuilds the same index. When a worker dies its shards
// are reopened from their checkpoints and the runner starts again from there
// (upserts and deletes are idempotent per id, so the replay neither loses nor
// doubles a vector). Index-session rows and finalize records are handed to
// SessionShards (src/index-sessions/), which owns staging and builds.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { IngestErrorReason } from '../common/errors';
import { DecodeFailure, isDecodeFailure } from '../log/envelope';
import type { LogClient } from '../log/log-client';
import { partitionForKey } from '../log/partitioner';
import { Topics, materializerGroupId } from '../log/topics';
import { AppliedOffsets } from '../materialize/applied-offsets';
import type { ApplyContext, ConsumedRecord, Decoded, MaterializerSurface } from '../materialize/materializer';
import { MaterializerRunner } from '../materialize/materializer-runner';
import { CheckpointOffsetStore, ErrorFiler, fileByReason } from '../materialize/offset-store';
import { decodeFinalize } from '../index-sessions/session-record';
import { BuildProgress, SessionShards } from '../index-sessions/session-shards';
import { cleanupStaleTemps } from './atomic-dir';
import { CollectionSpec } from './collection-spec';
import { ShardBatch } from './shard-batch';
import { ShardWorkerLostError, ShardWorkerPool } from './workers/shard-worker-pool';
import { VectorRecord, decodeVectorRecord } from './vector-record';

export interface MaterializerSettings {
  indexesDir: string;
  nodeId: string;
  checkpointEveryRecords: number;
  checkpointEveryMs: number;
  /** The worker threads that hold the shards' indexes. */
  workers: ShardWorkerPool;
  /** Counts newly filed ingest errors (intake_ingest_errors_total). */
  onFiled?: (reason: string, count: number) => void;
}

interface Shard {
  /** The shard's name in the worker pool. */
  key: string;
  /** Next offset to apply: every record below it is in the index (or filed). Saved with the index. */
  next: bigint;
  /** Records applied since the last checkpoint. */
  dirty: number;
  /** A batch is being handed over: the timer leaves the shard alone until it is done. */
  busy: boolean;
  /** Applies posted to the worker, not yet answered and filed: settle in order, never reject. */
  inFlight: Promise<void>[];
  /** The last of them (the chain every new apply is appended to). */
  tail: Promise<void>;
  /** An apply failed: later answers must not advance the applied offset until the shard is reopened. */
  broken: boolean;
  checkpointing: boolean;
  /** Live vectors, as the worker last reported. */
  size: number;
  /** Its worker died: set until the shard is reopened from its checkpoint. */
  reopening: Promise<void> | null;
}

const OFFSET_FILE = 'applied-offset.json';
/**
 * Batches of one shard posted to its worker and not yet answered. More than one lets the
 * main thread fetch and decode the next batch while the worker applies the last one; the
 * applied offset (what writes and strong reads wait for) advances only on the answers.
 */
const APPLIES_IN_FLIGHT_MAX = 4;
/** A shard's records appended through this node and not yet applied, past which new appends wait. */
export const APPLY_BACKLOG_MAX = 50_000;

/**
 * A record that does not decode reaches applyBatch too (and is filed there): the runner
 * skips applyBatch for a batch with nothing decoded, and this surface's applied offset
 * moves only in applyBatch's order (behind the workers' answers).
 */
type Undecodable = { op: 'undecodable'; failure: DecodeFailure }; // nested: the runner must not see a DecodeFailure
type CollectionRecord = VectorRecord | Undecodable;

export class CollectionMaterializer implements MaterializerSurface<CollectionRecord> {
  readonly surface = 'collection' as const;
  readonly mode = 'replica' as const;
  readonly topic: string;
  readonly partitions: number;
  private readonly logger: Logger;
  private readonly shards: Shard[] = [];
  private readonly sessions: SessionShards;
  private readonly appliedOffsets: AppliedOffsets;
  /** Per shard: the next offset after the last record this node appended (for back-pressure). */
  private readonly appendedEnds: bigint[];
  private runner: MaterializerRunner<CollectionRecord> | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private recovery: Promise<void> = Promise.resolve();
  /** Times a shard's index fell back to its checkpoint (a lost worker, a failed apply). */
  private resets = 0;
  private stopped = false;
  private readonly dir: string;
  private readonly workers: ShardWorkerPool;

  constructor(
    readonly spec: CollectionSpec,
    private readonly log: LogClient,
    private readonly errors: ErrorFiler,
    /** Called once this node has swapped in a session's build on every shard. */
    onSessionBuilt: (session: string) => Promise<unknown>,
    private readonly settings: MaterializerSettings,
  ) {
    this.logger = new Logger(`CollectionMaterializer:${spec.name}`);
    this.topic = Topics.collection(spec.name);
    this.partitions = spec.shards;
    this.dir = path.join(settings.indexesDir, spec.name);
    this.workers = settings.workers;
    this.appliedOffsets = new AppliedOffsets(spec.shards);
    this.appendedEnds = new Array<bigint>(spec.shards).fill(0n);
    this.sessions = new SessionShards({
      spec,
      dir: this.dir,
      shard: (p) => ({
        holds: async (ids) => (await this.workers.request(this.shards[p].key, { op: 'has', key: this.shards[p].key, ids })).has ?? [],
        saveTo: async (dir) => {
          await this.workers.request(this.shards[p].key, { op: 'save', key: this.shards[p].key, dir });
        },
      }),
      swap: async (p, dir) => {
        const reply = await this.workers.request(this.shards[p].key, { op: 'load', key: this.shards[p].key, dir });
        this.shards[p].size = reply.size ?? 0;
      },
      onSessionBuilt: (session) =>
        onSessionBuilt(session).catch((err) => this.logger.error(`session ${session} is built but could not be closed: ${(err as Error).message}`)),
    });
  }

  get sourceId(): string {
    return this.spec.name;
  }

  /** Applied offsets that read-your-writes waits on (kept across runner restarts). */
  get applied(): AppliedOffsets {
    if (!this.runner) throw new Error(`collection ${this.spec.name} is not started`);
    return this.appliedOffsets;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    cleanupStaleTemps(this.dir);
    for (let p = 0; p < this.spec.shards; p++) {
      const key = `${this.spec.name}/${p}`;
      this.workers.place(key);
      const idle = Promise.resolve();
      this.shards.push({ key, next: 0n, dirty: 0, busy: false, inFlight: [], tail: idle, broken: false, checkpointing: false, size: 0, reopening: null });
    }
    this.unsubscribe = this.workers.onLost((keys) => this.onWorkerLost(keys));
    // Shards load in parallel, each in its own worker.
    await Promise.all(this.shards.map((_, p) => this.openShard(p)));
    await this.startRunner(new Set(this.shards.keys()));
    this.checkpointTimer = setInterval(() => void this.checkpointDirty(), this.settings.checkpointEveryMs);
    this.checkpointTimer.unref();
  }

  /** Opens shard `p` in its worker from its checkpoint (or empty), and the session state saved with it. */
  private async openShard(p: number): Promise<void> {
    const shard = this.shards[p];
    const shardDir = this.shardDir(p);
    const offsetPath = path.join(shardDir, OFFSET_FILE);
    const load = fs.existsSync(offsetPath);
    const saved = load ? JSON.parse(fs.readFileSync(offsetPath, 'utf8')) : {};
    const { dimension, metric, hnsw } = this.spec;
    const reply = await this.workers.request(shard.key, { op: 'open', key: shard.key, dir: shardDir, load, dimension, metric, hnsw });
    shard.size = reply.size ?? 0;
    shard.next = load ? BigInt(saved.nextOffset) : 0n;
    shard.dirty = 0;
    shard.broken = false;
    this.appliedOffsets.set(p, shard.next);
    this.sessions.reset(p);
    if (load) this.sessions.restore(p, saved);
  }

  /** Starts consuming at every shard's next offset; `replay` shards go back to their open sessions' first rows. */
  private async startRunner(replay: Set<number>): Promise<void> {
    const stored = new Map<number, bigint>();
    const replayFrom = new Map<number, bigint>();
    this.shards.forEach((shard, p) => {
      stored.set(p, shard.next);
      // Open sessions' rows are not in the checkpoint: read them again from the log.
      const earliest = replay.has(p) ? this.sessions.earliestOffset(p) : null;
      if (earliest !== null) replayFrom.set(p, earliest);
    });
    this.runner = new MaterializerRunner(this, {
      log: this.log,
      offsets: new CheckpointOffsetStore(this.errors, stored),
      errors: this.errors,
      groupId: materializerGroupId(this.settings.nodeId, this.topic),
      onFiled: this.settings.onFiled,
    });
    await this.runner.start(replayFrom);
  }

  /**
   * A worker died: its shards of this collection lost everything since their checkpoints.
   * The runner is stopped, they are reopened from the checkpoints, and consuming starts
   * again from there; searches on them wait meanwhile.
   */
  private onWorkerLost(keys: string[]): void {
    const lost = this.shards.map((s, p) => (keys.includes(s.key) ? p : -1)).filter((p) => p >= 0);
    if (lost.length === 0 || this.stopped) return;
    this.logger.warn(`shard worker lost shard(s) ${lost.join(', ')}: reopening from the checkpoint and replaying the log`);
    this.resets++;
    const reopened = this.recovery.then(async () => {
      try {
        await this.runner?.stop();
        if (this.stopped) return;
        // What was posted to the dead worker has failed by now; let those answers settle first.
        await Promise.all(lost.map((p) => this.shards[p].tail));
        for (const p of lost) {
          // A worker that died inside a checkpoint may have left it half renamed.
          cleanupStaleTemps(this.dir, path.basename(this.shardDir(p)));
          await this.openShard(p);
        }
        await this.startRunner(new Set(lost));
      } catch (err) {
        this.logger.error(`could not reopen shard(s) ${lost.join(', ')}: ${(err as Error).message}`);
      }
    });
    this.recovery = reopened;
    for (const p of lost) this.shards[p].reopening = reopened;
    void reopened.then(() => {
      for (const p of lost) if (this.shards[p].reopening === reopened) this.shards[p].reopening = null;
    });
  }

  private shardDir(partition: number): string {
    return path.join(this.dir, `shard-${partition}`);
  }

  decode(record: ConsumedRecord): CollectionRecord {
    const decoded = decodeVectorRecord(record, this.spec.dimension);
    return isDecodeFailure(decoded) ? { op: 'undecodable', failure: decoded } : decoded;
  }

  revisit(partition: number, records: ConsumedRecord[]): void {
    // Below the checkpoint only rows of sessions still open at the checkpoint matter.
    for (const record of records) {
      const decoded = decodeVectorRecord(record, this.spec.dimension);
      if (isDecodeFailure(decoded) || decoded.op !== 'upsert' || decoded.session === null) continue;
      this.sessions.restage(partition, decoded.session, { id: decoded.id, vector: decoded.vector, offset: record.offset });
    }
  }

  async applyBatch(partition: number, items: Decoded<CollectionRecord>[], context: ApplyContext): Promise<void> {
    const shard = this.shards[partition];
    // Never wait for the reopening here: it stops the runner, which waits for this batch.
    if (shard.reopening || shard.broken) throw new Error(`shard ${partition} of ${this.spec.name} is being reopened`);
    while (shard.inFlight.length >= APPLIES_IN_FLIGHT_MAX) await shard.inFlight[0];
    shard.busy = true;
    try {
      let batch = new ShardBatch(this.spec.dimension, items.length);
      for (const { record, value } of items) {
        if (value.op === 'undecodable') context.fail(record, value.failure.reason, value.failure.message);
        else if (value.op === 'finalize') {
          // What came before the marker is in the index the session build starts from.
          this.post(partition, batch, record.offset);
          await this.drained(partition);
          batch = new ShardBatch(this.spec.dimension, items.length);
          const command = decodeFinalize(value.value);
          if (isDecodeFailure(command)) context.fail(record, command.reason, command.message);
          else {
            await this.sessions.finalize(partition, command, record, context);
            // The swapped-in index is checkpointed at once, with the offset after the marker.
            shard.next = record.offset + 1n;
            this.appliedOffsets.advance(partition, shard.next);
            await this.checkpoint(partition);
          }
        } else if (value.session !== null) {
          if (value.op === 'delete') context.fail(record, IngestErrorReason.INVALID_RECORD, 'a delete cannot be staged in an ingest session');
          else {
            const refused = this.sessions.stage(partition, value.session, { id: value.id, vector: value.vector, offset: record.offset });
            if (refused) context.fail(record, IngestErrorReason.INVALID_RECORD, refused);
          }
        } else batch.add(record, value);
        shard.dirty++;
      }
      // Failures found so far are filed before the applied offset (and so a checkpoint) can pass them.
      await context.flush();
      shard.next = items[items.length - 1].record.offset + 1n;
      this.post(partition, batch, shard.next);
    } finally {
      shard.busy = false;
    }
    if (shard.dirty >= this.settings.checkpointEveryRecords) await this.checkpoint(partition);
  }

  /**
   * Posts a batch to the shard's worker now (its requests are answered in order) and chains
   * what follows its answer: vectors the index refused are filed, then the applied offset
   * moves to `next`. An empty batch only moves the offset, in turn.
   */
  private post(partition: number, batch: ShardBatch, next: bigint): void {
    const shard = this.shards[partition];
    let sent: Promise<{ size?: number; rejected?: { at: number; message: string }[] }> | null = null;
    if (batch.length > 0) {
      const { request, transfer } = batch.request(shard.key);
      sent = this.workers.request(shard.key, request, transfer);
      sent.catch(() => undefined); // awaited in turn below; this only keeps an early failure from counting as unhandled
    }
    const step: Promise<void> = shard.tail
      .then(async () => {
        if (sent) {
          const reply = await sent;
          shard.size = reply.size ?? shard.size;
          const refused = reply.rejected ?? [];
          if (refused.length > 0) await this.file(partition, refused.map((r) => ({ record: batch.record(r.at), message: r.message })));
        }
        if (!shard.broken) this.appliedOffsets.advance(partition, next);
      })
      .catch((err) => this.applyFailed(partition, err))
      .finally(() => {
        shard.inFlight.splice(shard.inFlight.indexOf(step), 1);
      });
    shard.inFlight.push(step);
    shard.tail = step;
  }

  /** Resolves once every apply posted for the shard is answered (and filed). */
  private async drained(partition: number): Promise<void> {
    const shard = this.shards[partition];
    await shard.tail;
    if (shard.broken) throw new Error(`an apply on shard ${partition} of ${this.spec.name} failed; the shard is being reopened`);
  }

  /** Files vectors the index refused (ingest_errors; idempotent per log position). */
  private async file(partition: number, refused: { record: ConsumedRecord; message: string }[]): Promise<void> {
    const runner = this.runner;
    if (!runner) return;
    const errors = refused.map((r) => runner.ingestError(partition, r.record, IngestErrorReason.INVALID_VECTOR, r.message));
    for (const [reason, count] of await fileByReason(this.errors, errors)) this.settings.onFiled?.(reason, count);
  }

  /**
   * An apply the worker did not answer (it died: the pool reopens its shards) or answered
   * with an error, or whose refusals could not be filed: the shard's applied offset stops
   * here and the shard is reopened from its checkpoint, which replays the log from there.
   */
  private applyFailed(partition: number, err: unknown): void {
    const shard = this.shards[partition];
    if (shard.broken) return;
    shard.broken = true;
    if (err instanceof ShardWorkerLostError) return; // the pool tells onWorkerLost
    this.logger.error(`apply on shard ${partition} failed: ${(err as Error).message}; reopening it from its checkpoint`);
    this.onWorkerLost([shard.key]);
  }

  /**
   * What a search sent now is certain to see: every shard's worker answers requests in
   * order, so it has applied at least what its answers reported, unless a shard is reset
   * meanwhile (compare `resets` after the answer). Null while a shard is being reopened
   * (its applied offset is the lost index's) or while writes appended through this node
   * are still being applied (a strong read would most likely have to wait for them).
   */
  settledReadState(): { applied: bigint[]; resets: number } | null {
    if (this.shards.some((s) => s.reopening || s.broken)) return null;
    if (this.appendedEnds.some((end, p) => end > this.appliedOffsets.get(p))) return null;
    return { applied: this.shards.map((_, p) => this.appliedOffsets.get(p)), resets: this.resets };
  }

  /** Whether `state` holds everything below `ends`, and no shard was reset since it was taken. */
  covers(state: { applied: bigint[]; resets: number }, ends: Map<number, bigint>): boolean {
    if (state.resets !== this.resets) return false;
    for (const [p, end] of ends) if (end > (state.applied[p] ?? 0n)) return false;
    return true;
  }

  readableEnds(ends: Map<number, bigint>): Map<number, bigint> {
    return this.sessions.readableEnds(ends);
  }

  buildProgress(session: string): BuildProgress | null {
    return this.sessions.buildProgress(session);
  }

  /** The shard that holds `id`, by the same partitioner the writers use. */
  shardOf(id: string): number {
    return partitionForKey(this.topic, id, this.spec.shards);
  }

  async has(id: string): Promise<boolean> {
    const shard = this.shards[this.shardOf(id)];
    if (!shard) return false;
    const reply = await this.retryOnce(shard, () => this.workers.request(shard.key, { op: 'has', key: shard.key, ids: [id] }));
    return reply.has?.[0] ?? false;
  }

  /** Live vectors, as the shard workers last reported them. */
  get size(): number {
    return this.shards.reduce((n, s) => n + s.size, 0);
  }

  /** Asks every worker that holds shards of this collection for its best topK, and merges them. */
  async search(query: Float32Array | number[], topK: number, efSearch?: number): Promise<{ id: string; score: number }[]> {
    const bySlot = new Map<number, string[]>();
    for (const s of this.shards) {
      if (s.reopening) await s.reopening;
      const slot = this.workers.place(s.key);
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), s.key]);
    }
    const q = Float32Array.from(query);
    const replies = await Promise.all(
      [...bySlot].map(([slot, keys]) =>
        this.retryOnce(this.shards.find((s) => s.key === keys[0])!, () =>
          this.workers.requestSlot(slot, { op: 'search', keys, query: q, k: topK, ef: efSearch }),
        ),
      ),
    );
    const hits: { id: string; score: number }[] = [];
    for (const r of replies) (r.ids ?? []).forEach((id, i) => hits.push({ id, score: (r.scores ?? [])[i] }));
    if (replies.length > 1) hits.sort((a, b) => b.score - a.score);
    return hits.slice(0, topK);
  }

  /** A read that met a dying worker is asked again once the shard is reopened. */
  private async retryOnce<T>(shard: Shard, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (!(err instanceof ShardWorkerLostError)) throw err;
      await this.recovery;
      return read();
    }
  }

  /** Appends through this node went up to `offset` on `partition` (see admit). */
  noteAppended(partition: number, offset: bigint): void {
    if (offset + 1n > this.appendedEnds[partition]) this.appendedEnds[partition] = offset + 1n;
  }

  /**
   * Back-pressure for writers: resolves once none of `partitions` has more than
   * APPLY_BACKLOG_MAX records appended through this node and not yet applied (false on
   * timeout), so appends wait when apply falls behind instead of piling up.
   */
  async admit(partitions: Iterable<number>, timeoutMs: number, startedAtMs: number): Promise<boolean> {
    for (const p of partitions) {
      const behind = this.appendedEnds[p] - this.appliedOffsets.get(p);
      if (behind <= BigInt(APPLY_BACKLOG_MAX)) continue;
      const waitFor = this.appendedEnds[p] - BigInt(APPLY_BACKLOG_MAX) - 1n;
      if (!(await this.appliedOffsets.waitFor(p, waitFor, timeoutMs, startedAtMs))) return false;
    }
    return true;
  }

  /** Test-only: makes the worker that holds `partition` exit as a crash would (INTAKE_SHARD_WORKER_TEST_HOOKS=1). */
  async crashWorkerForTest(partition: number): Promise<void> {
    await this.workers.request(this.shards[partition].key, { op: 'crash' }).catch((err) => {
      if (!(err instanceof ShardWorkerLostError)) throw err;
    });
  }

  /** The worker that holds the shard saves its index and next offset in one atomic directory. */
  async checkpoint(partition: number): Promise<void> {
    const shard = this.shards[partition];
    await this.drained(partition);
    const covered = shard.dirty;
    // The applied offset, not the posted one: everything below it is applied and its failures filed.
    // (Applies posted meanwhile are in the saved index too, which a replay redoes harmlessly.)
    const offsetJson = JSON.stringify({ nextOffset: this.appliedOffsets.get(partition).toString(), ...this.sessions.checkpointState(partition) });
    shard.checkpointing = true;
    try {
      await this.workers.request(shard.key, { op: 'checkpoint', key: shard.key, dir: this.shardDir(partition), offsetFile: OFFSET_FILE, offsetJson });
    } finally {
      shard.checkpointing = false;
    }
    shard.dirty = Math.max(0, shard.dirty - covered);
  }

  private async checkpointDirty(): Promise<void> {
    await Promise.all(
      this.shards.map(async (s, p) => {
        if (s.dirty === 0 || s.busy || s.checkpointing || s.reopening || s.broken) return;
        try {
          await this.checkpoint(p);
        } catch (err) {
          this.logger.error(`checkpoint of shard ${p} failed: ${(err as Error).message}`);
        }
      }),
    );
  }

  /** Stops consuming; with `checkpoint`, saves every shard first so a restart replays nothing. */
  async stop(checkpoint = true): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    this.unsubscribe?.();
    this.sessions.stopBuilds();
    await this.recovery;
    await this.runner?.stop();
    await Promise.all(this.shards.map((s) => s.tail));
    if (checkpoint) await this.checkpointDirty();
    await Promise.allSettled(this.shards.map((s) => this.workers.request(s.key, { op: 'close', key: s.key })));
    for (const s of this.shards) this.workers.unplace(s.key);
    this.appliedOffsets.close();
  }

  async destroy(): Promise<void> {
    await this.stop(false);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

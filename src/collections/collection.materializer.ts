// One collection's read model on this node: one ShardIndex per partition of the
// collection's topic, fed by the shared MaterializerRunner in replica mode (every
// node serves every shard). Each shard's next offset is saved beside its index in
// one atomic checkpoint directory, so a restart resumes exactly after the last
// applied record and a replay (delete the checkpoint, restart) rebuilds the same
// index. Index-session rows and finalize records are handed to SessionShards
// (src/index-sessions/), which owns staging and builds.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { IngestErrorReason } from '../common/errors';
import { isDecodeFailure } from '../log/envelope';
import type { LogClient } from '../log/log-client';
import { partitionForKey } from '../log/partitioner';
import { Topics, materializerGroupId } from '../log/topics';
import type { AppliedOffsets } from '../materialize/applied-offsets';
import type { ApplyContext, ConsumedRecord, Decoded, MaterializerSurface } from '../materialize/materializer';
import { MaterializerRunner } from '../materialize/materializer-runner';
import { CheckpointOffsetStore, ErrorFiler } from '../materialize/offset-store';
import { decodeFinalize } from '../index-sessions/session-record';
import { BuildProgress, SessionShards } from '../index-sessions/session-shards';
import { cleanupStaleTemps, writeDirAtomically } from './atomic-dir';
import { CollectionSpec } from './collection-spec';
import { ShardIndex, ShardIndexError } from './shard-index';
import { VectorRecord, decodeVectorRecord } from './vector-record';

export interface MaterializerSettings {
  indexesDir: string;
  nodeId: string;
  checkpointEveryRecords: number;
  checkpointEveryMs: number;
  /** Counts newly filed ingest errors (intake_ingest_errors_total). */
  onFiled?: (reason: string, count: number) => void;
}

interface Shard {
  index: ShardIndex;
  /** Next offset to apply: every record below it is in `index` (or filed). Saved with the index. */
  next: bigint;
  /** Records applied since the last checkpoint. */
  dirty: number;
  /** A batch is being applied: the timer leaves the shard alone until it is done. */
  busy: boolean;
}

const OFFSET_FILE = 'applied-offset.json';

export class CollectionMaterializer implements MaterializerSurface<VectorRecord> {
  readonly surface = 'collection' as const;
  readonly mode = 'replica' as const;
  readonly topic: string;
  readonly partitions: number;
  private readonly logger: Logger;
  private readonly shards: Shard[] = [];
  private readonly sessions: SessionShards;
  private runner: MaterializerRunner<VectorRecord> | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private readonly dir: string;

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
    this.sessions = new SessionShards({
      spec,
      dir: this.dir,
      index: (p) => this.shards[p].index,
      swap: (p, index) => {
        this.shards[p].index = index;
      },
      onSessionBuilt: (session) =>
        onSessionBuilt(session).catch((err) => this.logger.error(`session ${session} is built but could not be closed: ${(err as Error).message}`)),
    });
  }

  get sourceId(): string {
    return this.spec.name;
  }

  /** Applied offsets that read-your-writes waits on. */
  get applied(): AppliedOffsets {
    if (!this.runner) throw new Error(`collection ${this.spec.name} is not started`);
    return this.runner.applied;
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    cleanupStaleTemps(this.dir);
    const stored = new Map<number, bigint>();
    const replayFrom = new Map<number, bigint>();
    for (let p = 0; p < this.spec.shards; p++) {
      const shardDir = this.shardDir(p);
      let index: ShardIndex;
      let next = 0n;
      if (fs.existsSync(path.join(shardDir, OFFSET_FILE))) {
        index = ShardIndex.loadFrom(shardDir);
        const saved = JSON.parse(fs.readFileSync(path.join(shardDir, OFFSET_FILE), 'utf8'));
        next = BigInt(saved.nextOffset);
        this.sessions.restore(p, saved);
      } else {
        index = ShardIndex.create({ dimension: this.spec.dimension, metric: this.spec.metric, hnsw: this.spec.hnsw });
      }
      this.shards.push({ index, next, dirty: 0, busy: false });
      stored.set(p, next);
      // Open sessions' rows are not in the checkpoint: read them again from the log.
      const earliest = this.sessions.earliestOffset(p);
      if (earliest !== null) replayFrom.set(p, earliest);
    }
    this.runner = new MaterializerRunner(this, {
      log: this.log,
      offsets: new CheckpointOffsetStore(this.errors, stored),
      errors: this.errors,
      groupId: materializerGroupId(this.settings.nodeId, this.topic),
      onFiled: this.settings.onFiled,
    });
    await this.runner.start(replayFrom);
    this.checkpointTimer = setInterval(() => this.checkpointDirty(), this.settings.checkpointEveryMs);
    this.checkpointTimer.unref();
  }

  private shardDir(partition: number): string {
    return path.join(this.dir, `shard-${partition}`);
  }

  decode(record: ConsumedRecord) {
    return decodeVectorRecord(record, this.spec.dimension);
  }

  revisit(partition: number, records: ConsumedRecord[]): void {
    // Below the checkpoint only rows of sessions still open at the checkpoint matter.
    for (const record of records) {
      const decoded = decodeVectorRecord(record, this.spec.dimension);
      if (isDecodeFailure(decoded) || decoded.op !== 'upsert' || decoded.session === null) continue;
      this.sessions.restage(partition, decoded.session, { id: decoded.id, vector: decoded.vector, offset: record.offset });
    }
  }

  async applyBatch(partition: number, items: Decoded<VectorRecord>[], context: ApplyContext): Promise<void> {
    const shard = this.shards[partition];
    shard.busy = true;
    try {
      for (const { record, value } of items) {
        this.applyOne(partition, shard, record, value, context);
        if (value.op === 'finalize') {
          const command = decodeFinalize(value.value);
          if (isDecodeFailure(command)) context.fail(record, command.reason, command.message);
          else {
            await this.sessions.finalize(partition, command, record, context);
            // The swapped-in index is checkpointed at once, with the offset after the marker.
            shard.next = record.offset + 1n;
            this.checkpoint(partition);
          }
        }
        shard.dirty++;
      }
      // Failures are filed before a checkpoint can cover their offsets.
      await context.flush();
      shard.next = items[items.length - 1].record.offset + 1n;
    } finally {
      shard.busy = false;
    }
    if (shard.dirty >= this.settings.checkpointEveryRecords) this.checkpoint(partition);
  }

  /** Applies one vector record (finalize records are the caller's); failures go to `context`. */
  private applyOne(partition: number, shard: Shard, record: ConsumedRecord, value: VectorRecord, context: ApplyContext): void {
    if (value.op === 'finalize') return;
    if (value.session !== null) {
      if (value.op === 'delete') return context.fail(record, IngestErrorReason.INVALID_RECORD, 'a delete cannot be staged in an ingest session');
      const refused = this.sessions.stage(partition, value.session, { id: value.id, vector: value.vector, offset: record.offset });
      if (refused) context.fail(record, IngestErrorReason.INVALID_RECORD, refused);
      return;
    }
    try {
      if (value.op === 'upsert') shard.index.upsert(value.id, value.vector, value.metadata);
      else shard.index.delete(value.id);
    } catch (err) {
      // e.g. an all-zero vector under cosine: the record is filed, the shard moves on.
      if (err instanceof ShardIndexError) return context.fail(record, IngestErrorReason.INVALID_VECTOR, err.message);
      throw err;
    }
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

  has(id: string): boolean {
    return this.shards[this.shardOf(id)]?.index.has(id) ?? false;
  }

  get size(): number {
    return this.shards.reduce((n, s) => n + s.index.size, 0);
  }

  search(query: Float32Array | number[], topK: number, efSearch?: number): { id: string; score: number }[] {
    const all = this.shards.flatMap((s) => s.index.search(query, topK, efSearch));
    all.sort((a, b) => b.score - a.score);
    return all.slice(0, topK).map((r) => ({ id: r.id, score: r.score }));
  }

  checkpoint(partition: number): void {
    const shard = this.shards[partition];
    writeDirAtomically(this.shardDir(partition), (tmp) => {
      shard.index.saveTo(tmp);
      fs.writeFileSync(path.join(tmp, OFFSET_FILE), JSON.stringify({ nextOffset: shard.next.toString(), ...this.sessions.checkpointState(partition) }));
    });
    shard.dirty = 0;
  }

  private checkpointDirty(): void {
    for (let p = 0; p < this.shards.length; p++) {
      if (this.shards[p].dirty === 0 || this.shards[p].busy) continue;
      try {
        this.checkpoint(p);
      } catch (err) {
        this.logger.error(`checkpoint of shard ${p} failed: ${(err as Error).message}`);
      }
    }
  }

  /** Stops consuming; with `checkpoint`, saves every shard first so a restart replays nothing. */
  async stop(checkpoint = true): Promise<void> {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    this.sessions.stopBuilds();
    await this.runner?.stop();
    if (checkpoint) this.checkpointDirty();
  }

  async destroy(): Promise<void> {
    await this.stop(false);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

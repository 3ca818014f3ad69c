// Log → index for one collection: one ShardIndex per partition of the collection's
// topic. Each shard's applied offset is saved beside its index in one atomic
// checkpoint directory, so a restart resumes exactly after the last applied record
// and a replay (delete the checkpoint, restart) rebuilds the same index.
// Records a direct producer got wrong are filed into ingest_errors, never retried
// forever: a malformed record must not become a crash loop.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NewIngestError } from '../database/ingest-errors.repository';
import type { LogClient, ConsumedRecord } from '../log/log-client';
import type { TopicConsumer } from '../log/topic-consumer';
import { Topics, materializerGroupId } from '../log/topics';
import { partitionForKey } from '../log/partitioner';
import { Header, decodeVectorRecord, isDecodeFailure } from '../log/vector-record';
import { cleanupStaleTemps, writeDirAtomically } from './atomic-dir';
import { AppliedOffsets } from './applied-offsets';
import { CollectionSpec } from './collection-spec';
import { ShardIndex, ShardIndexError } from './shard-index';
import { SessionStaging, StagedRow } from './session-staging';
import { IngestErrorReason } from '../common/errors';
import { finalizeShard } from './shard-finalizer';
import type { FinalizeCommand } from '../log/vector-record';

/** Where records that cannot be applied go (the ingest_errors table). */
export interface IngestErrorSink {
  record(e: NewIngestError): Promise<unknown>;
}

export interface MaterializerSettings {
  indexesDir: string;
  nodeId: string;
  checkpointEveryRecords: number;
  checkpointEveryMs: number;
}

interface Shard {
  index: ShardIndex;
  /** Records applied since the last checkpoint. */
  dirty: number;
  staging: SessionStaging;
}

/** Progress of a session's finalize across this collection's shards. */
export interface BuildProgress {
  indexed: number;
  total: number;
}

const OFFSET_FILE = 'applied-offset.json';

export class CollectionMaterializer {
  private readonly logger: Logger;
  private readonly shards: Shard[] = [];
  readonly applied: AppliedOffsets;
  private consumer: TopicConsumer | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  readonly topic: string;
  private readonly dir: string;
  private readonly builds = new Map<string, Map<number, BuildProgress>>();
  /** Partition → offset of the finalize record whose build is running. */
  private readonly building = new Map<number, bigint>();
  /** Session → shards that have swapped in its build. */
  private readonly builtShards = new Map<string, number>();

  constructor(
    readonly spec: CollectionSpec,
    private readonly log: LogClient,
    private readonly errors: IngestErrorSink,
    /** Called once this node has swapped in a session's build on every shard. */
    private readonly onSessionBuilt: (session: string) => Promise<unknown>,
    private readonly settings: MaterializerSettings,
  ) {
    this.logger = new Logger(`CollectionMaterializer:${spec.name}`);
    this.topic = Topics.collection(spec.name);
    this.dir = path.join(settings.indexesDir, spec.name);
    this.applied = new AppliedOffsets(spec.shards);
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    cleanupStaleTemps(this.dir);
    const startOffsets = new Map<number, bigint>();
    for (let p = 0; p < this.spec.shards; p++) {
      const shardDir = this.shardDir(p);
      let index: ShardIndex;
      let next = 0n;
      const staging = new SessionStaging();
      if (fs.existsSync(path.join(shardDir, OFFSET_FILE))) {
        index = ShardIndex.loadFrom(shardDir);
        const saved = JSON.parse(fs.readFileSync(path.join(shardDir, OFFSET_FILE), 'utf8'));
        next = BigInt(saved.nextOffset);
        staging.restore(saved.openSessions ?? {});
      } else {
        index = ShardIndex.create({ dimension: this.spec.dimension, metric: this.spec.metric, hnsw: this.spec.hnsw });
      }
      this.shards.push({ index, dirty: 0, staging });
      this.applied.set(p, next);
      // Open sessions' rows are not in the checkpoint: read them again from the log.
      const earliest = staging.earliestOffset();
      startOffsets.set(p, earliest !== null && earliest < next ? earliest : next);
    }
    this.consumer = this.log.consumer(
      {
        topic: this.topic,
        groupIdPrefix: materializerGroupId(this.settings.nodeId, this.topic),
        startOffsets,
        // Shards apply (and build) in parallel.
        partitionsConsumedConcurrently: this.spec.shards,
      },
      (partition, records) => this.apply(partition, records),
    );
    await this.consumer.start();
    this.checkpointTimer = setInterval(() => this.checkpointDirty(), this.settings.checkpointEveryMs);
    this.checkpointTimer.unref();
  }

  private shardDir(partition: number): string {
    return path.join(this.dir, `shard-${partition}`);
  }

  private async apply(partition: number, records: ConsumedRecord[]): Promise<void> {
    const shard = this.shards[partition];
    if (!shard) return;
    let next = this.applied.get(partition);
    for (const record of records) {
      if (record.offset < next) {
        // Already applied; only rows of sessions still open at the checkpoint are staged again.
        this.restage(shard, record);
        continue;
      }
      const failure = await this.applyOne(partition, shard, record);
      if (failure) await this.fileError(partition, record, failure);
      next = record.offset + 1n;
      shard.dirty++;
    }
    this.applied.advance(partition, next);
    if (shard.dirty >= this.settings.checkpointEveryRecords) this.checkpoint(partition);
  }

  private restage(shard: Shard, record: ConsumedRecord): void {
    const decoded = decodeVectorRecord(record, this.spec.dimension);
    if (isDecodeFailure(decoded) || decoded.op !== 'upsert' || decoded.session === null) return;
    if (shard.staging.wasOpenAt(decoded.session, record.offset)) {
      shard.staging.stage(decoded.session, record.offset, { id: decoded.id, vector: decoded.vector, offset: record.offset });
    }
  }

  private fileError(
    partition: number,
    record: { offset: bigint; key: Buffer | string | null; value: Buffer | null; headers: ConsumedRecord['headers'] },
    failure: { reason: string; message: string },
  ): Promise<unknown> {
    return this.errors.record({
      key: record.key === null ? null : record.key.toString(),
      source: 'collection',
      sourceId: this.spec.name,
      topic: this.topic,
      partition,
      offset: record.offset.toString(),
      reason: failure.reason,
      message: failure.message,
      payload: record.value,
      headers: stringHeaders(record.headers),
    });
  }

  /** Applies one record; returns why it could not be applied, if so. */
  private async applyOne(partition: number, shard: Shard, record: ConsumedRecord): Promise<{ reason: string; message: string } | null> {
    const decoded = decodeVectorRecord(record, this.spec.dimension);
    if (isDecodeFailure(decoded)) return decoded;
    if (decoded.op === 'finalize') {
      await this.finalize(partition, shard, decoded.command, record);
      return null;
    }
    if (decoded.session !== null) {
      if (decoded.op === 'delete') return { reason: 'INVALID_RECORD', message: 'a delete cannot be staged in an ingest session' };
      if (!shard.staging.stage(decoded.session, record.offset, { id: decoded.id, vector: decoded.vector, offset: record.offset })) {
        return { reason: 'INVALID_RECORD', message: 'too many staged rows in this shard; finalize the session first' };
      }
      return null;
    }
    try {
      if (decoded.op === 'upsert') shard.index.upsert(decoded.id, decoded.vector, decoded.metadata);
      else shard.index.delete(decoded.id);
      return null;
    } catch (err) {
      // e.g. an all-zero vector under cosine: the record is filed, the shard moves on.
      if (err instanceof ShardIndexError) return { reason: 'INVALID_VECTOR', message: err.message };
      throw err;
    }
  }

  private async finalize(partition: number, shard: Shard, command: FinalizeCommand, marker: ConsumedRecord): Promise<void> {
    const rows = [...shard.staging.rows(command.session)];
    const progress = this.builds.get(command.session) ?? new Map<number, BuildProgress>();
    this.builds.set(command.session, progress);
    progress.set(partition, { indexed: 0, total: rows.length });
    this.building.set(partition, marker.offset);
    const rowRecord = (row: StagedRow) => ({
      offset: row.offset,
      key: row.id,
      value: Buffer.from(row.vector.buffer, row.vector.byteOffset, row.vector.byteLength),
      headers: { [Header.op]: 'upsert', [Header.session]: command.session },
    });
    try {
      const built = await finalizeShard({
        current: shard.index,
        rows,
        command,
        spec: this.spec,
        workDir: path.join(this.dir, `build-${partition}`),
        onProgress: (indexed, total) => progress.set(partition, { indexed, total }),
        onDuplicate: (row) =>
          this.fileError(partition, rowRecord(row), {
            reason: IngestErrorReason.DUPLICATE_ID,
            message: `insert mode: id '${row.id}' already exists; session ${command.session} did not overwrite it`,
          }),
      });
      // Filed before the swap: if filing fails, the build is retried with every row still staged.
      for (const r of built.rejected) {
        await this.fileError(partition, rowRecord(r.row), {
          reason: ingestReasonOf(r.code),
          message: `session ${command.session}, id '${r.row.id}': ${r.message}`,
        });
      }
      // Swap, release and advance together (no await between): a redelivered marker is
      // then below the applied offset and can never rebuild from released (empty) staging.
      shard.index = built.index;
      shard.staging.release(command.session);
      this.applied.advance(partition, marker.offset + 1n);
    } finally {
      this.building.delete(partition);
      progress.set(partition, { indexed: rows.length, total: rows.length });
    }
    // The swapped-in index is checkpointed at once, with the offset after the marker.
    this.checkpoint(partition);
    const done = (this.builtShards.get(command.session) ?? 0) + 1;
    this.builtShards.set(command.session, done);
    if (done === this.spec.shards) {
      this.builtShards.delete(command.session);
      this.builds.delete(command.session);
      await this.onSessionBuilt(command.session).catch((err) =>
        this.logger.error(`session ${command.session} is built but could not be closed: ${(err as Error).message}`),
      );
    }
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

  forgetBuild(session: string): void {
    this.builds.delete(session);
  }

  /** Rows of an open session staged in this node's shards. */
  stagedRows(session: string): number {
    return this.shards.reduce((n, s) => n + s.staging.rowCount(session), 0);
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
    const nextOffset = this.applied.get(partition);
    writeDirAtomically(this.shardDir(partition), (tmp) => {
      shard.index.saveTo(tmp);
      fs.writeFileSync(
        path.join(tmp, OFFSET_FILE),
        JSON.stringify({ nextOffset: nextOffset.toString(), openSessions: shard.staging.openSessions() }),
      );
    });
    shard.dirty = 0;
  }

  private checkpointDirty(): void {
    for (let p = 0; p < this.shards.length; p++) {
      if (this.shards[p].dirty === 0) continue;
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
    await this.consumer?.stop();
    this.applied.close();
    if (checkpoint) this.checkpointDirty();
  }

  async destroy(): Promise<void> {
    await this.stop(false);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function stringHeaders(h: ConsumedRecord['headers']): Record<string, string> | null {
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
    any = true;
  }
  return any ? out : null;
}

/** A ShardIndexError code as an ingest_errors reason. */
function ingestReasonOf(code: string): IngestErrorReason {
  if (code === 'INVALID_VECTOR') return IngestErrorReason.INVALID_VECTOR;
  if (code === 'DIMENSION_MISMATCH') return IngestErrorReason.WRONG_DIMENSION;
  return IngestErrorReason.INVALID_RECORD;
}

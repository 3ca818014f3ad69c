// Log → index for one collection: one ShardIndex per partition of the collection's
// topic. Each shard's applied offset is saved beside its index in one atomic
// checkpoint directory, so a restart resumes exactly after the last applied record
// and a replay (delete the checkpoint, restart) rebuilds the same index.
// Records a direct producer got wrong are filed into ingest_errors, never retried
// forever: a malformed record must not become a crash loop.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import type { LogClient, ConsumedRecord } from '../log/log-client';
import type { TopicConsumer } from '../log/topic-consumer';
import { Topics, materializerGroupId } from '../log/topics';
import { partitionForKey } from '../log/partitioner';
import { decodeVectorRecord, isDecodeFailure } from '../log/vector-record';
import { cleanupStaleTemps, writeDirAtomically } from './atomic-dir';
import { AppliedOffsets } from './applied-offsets';
import { CollectionSpec } from './collection-spec';
import { ShardIndex, ShardIndexError } from './shard-index';

export interface IngestErrorSink {
  record(e: {
    source: string;
    sourceId: string;
    topic: string;
    partition: number;
    offset: string;
    reason: string;
    message: string;
    payload: Buffer | null;
    headers: Record<string, string> | null;
  }): Promise<unknown>;
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

  constructor(
    readonly spec: CollectionSpec,
    private readonly log: LogClient,
    private readonly errors: IngestErrorSink,
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
      if (fs.existsSync(path.join(shardDir, OFFSET_FILE))) {
        index = ShardIndex.loadFrom(shardDir);
        next = BigInt(JSON.parse(fs.readFileSync(path.join(shardDir, OFFSET_FILE), 'utf8')).nextOffset);
      } else {
        index = ShardIndex.create({ dimension: this.spec.dimension, metric: this.spec.metric, hnsw: this.spec.hnsw });
      }
      this.shards.push({ index, dirty: 0 });
      this.applied.set(p, next);
      startOffsets.set(p, next);
    }
    this.consumer = this.log.consumer(
      { topic: this.topic, groupIdPrefix: materializerGroupId(this.settings.nodeId, this.topic), startOffsets },
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
      // Already applied (the checkpoint is ahead of where the consumer started).
      if (record.offset < next) continue;
      const failure = this.applyOne(shard.index, record);
      if (failure) {
        await this.errors.record({
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
      next = record.offset + 1n;
      shard.dirty++;
    }
    this.applied.advance(partition, next);
    if (shard.dirty >= this.settings.checkpointEveryRecords) this.checkpoint(partition);
  }

  /** Applies one record; returns why it could not be applied, if so. */
  private applyOne(index: ShardIndex, record: ConsumedRecord): { reason: string; message: string } | null {
    const decoded = decodeVectorRecord(record, this.spec.dimension);
    if (isDecodeFailure(decoded)) return decoded;
    try {
      if (decoded.op === 'upsert') index.upsert(decoded.id, decoded.vector, decoded.metadata);
      else index.delete(decoded.id);
      return null;
    } catch (err) {
      // e.g. an all-zero vector under cosine: the record is filed, the shard moves on.
      if (err instanceof ShardIndexError) return { reason: 'INVALID_VECTOR', message: err.message };
      throw err;
    }
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
      fs.writeFileSync(path.join(tmp, OFFSET_FILE), JSON.stringify({ nextOffset: nextOffset.toString() }));
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

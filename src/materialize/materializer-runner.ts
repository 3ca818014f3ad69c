// The one log → store loop every surface shares. Per batch of one partition:
// read the stored offset (in the offset store's transaction, if it has one), hand
// records already applied to the surface's `revisit`, decode the rest, apply the
// decoded ones in one call, file every failure once, store the next offset, then
// advance the in-memory applied offsets that read-your-writes waits on.
// A batch that throws is redelivered (kafkajs restarts the consumer) and the
// stored offset makes the retry skip whatever had been committed.

import { Logger } from '@nestjs/common';
import type { IngestErrorReason } from '../common/errors';
import type { NewIngestError } from '../database/ingest-errors.repository';
import { ConsumedRecord, isDecodeFailure, stringHeaders } from '../log/envelope';
import type { LogClient } from '../log/log-client';
import type { TopicConsumer } from '../log/topic-consumer';
import { AppliedOffsets } from './applied-offsets';
import type { ApplyContext, Decoded, MaterializerSurface } from './materializer';
import { ErrorFiler, OffsetStore, fileByReason } from './offset-store';

export interface RunnerOptions {
  log: LogClient;
  offsets: OffsetStore;
  /** The ingest_errors table (the same one the offset store files into). */
  errors: ErrorFiler;
  /** Replica mode: the stable part of the group id; shared mode: the group id. */
  groupId: string;
  /** Called with each newly filed error's reason (the ingest-error counter). */
  onFiled?: (reason: string, count: number) => void;
  /**
   * The applied offsets to advance, when the surface keeps them across runners (a surface
   * that restarts its runner keeps its read-your-writes waiters). The owner closes them;
   * by default the runner makes its own and closes them on stop.
   */
  applied?: AppliedOffsets;
}

export class MaterializerRunner<T> {
  readonly applied: AppliedOffsets;
  private readonly logger: Logger;
  private consumer: TopicConsumer | null = null;

  constructor(
    private readonly surface: MaterializerSurface<T>,
    private readonly options: RunnerOptions,
  ) {
    this.applied = options.applied ?? new AppliedOffsets(surface.partitions);
    this.logger = new Logger(`Materializer:${surface.surface}:${surface.sourceId}`);
  }

  get groupId(): string | null {
    return this.consumer?.groupId ?? null;
  }

  /**
   * Loads the stored offsets and starts consuming. `replayFrom` (replica mode) starts
   * a partition below its stored offset so the surface can `revisit` records.
   */
  async start(replayFrom?: Map<number, bigint>): Promise<void> {
    const stored = await this.options.offsets.load(this.surface.partitions);
    const startOffsets = new Map<number, bigint>();
    for (const [p, next] of stored) {
      this.applied.set(p, next);
      const from = replayFrom?.get(p);
      startOffsets.set(p, from !== undefined && from < next ? from : next);
    }
    this.consumer = this.options.log.consumer(
      {
        topic: this.surface.topic,
        mode: this.surface.mode,
        groupId: this.options.groupId,
        startOffsets,
        partitionsConsumedConcurrently: this.surface.partitions,
      },
      (partition, records) => this.handle(partition, records),
    );
    await this.consumer.start();
  }

  private async handle(partition: number, records: ConsumedRecord[]): Promise<void> {
    const { next, filed } = await this.options.offsets.run(partition, async (stored, transaction) => {
      const seen = records.filter((r) => r.offset < stored);
      if (seen.length > 0) this.surface.revisit?.(partition, seen);
      const fresh = records.filter((r) => r.offset >= stored);
      const errors: NewIngestError[] = [];
      if (fresh.length === 0) return { next: stored, errors };
      const items: Decoded<T>[] = [];
      for (const record of fresh) {
        const decoded = this.surface.decode(record);
        if (isDecodeFailure(decoded)) errors.push(this.ingestError(partition, record, decoded.reason, decoded.message));
        else items.push({ record, value: decoded });
      }
      const context: ApplyContext = {
        transaction,
        fail: (record, reason, message, part) => errors.push(this.ingestError(partition, record, reason, message, part)),
        flush: async () => {
          if (transaction !== null || errors.length === 0) return;
          const filedNow = await fileByReason(this.options.errors, errors.splice(0));
          for (const [reason, count] of filedNow) this.options.onFiled?.(reason, count);
        },
      };
      if (items.length > 0) await this.surface.applyBatch(partition, items, context);
      return { next: fresh[fresh.length - 1].offset + 1n, errors };
    });
    for (const [reason, count] of filed) this.options.onFiled?.(reason, count);
    this.applied.advance(partition, next);
  }

  ingestError(partition: number, record: Pick<ConsumedRecord, 'offset' | 'key' | 'value' | 'headers'>, reason: IngestErrorReason, message: string, part?: string): NewIngestError {
    return {
      source: this.surface.surface,
      sourceId: this.surface.sourceId,
      topic: this.surface.topic,
      partition,
      offset: record.offset.toString(),
      reason,
      message,
      key: record.key === null ? null : record.key.toString('utf8'),
      payload: record.value,
      headers: stringHeaders(record.headers),
      ...(part ? { part } : {}),
    };
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    if (!this.options.applied) this.applied.close();
  }
}

// One destination of one stream, from the stream's topic: a shared-mode runner
// surface with its own consumer group and its own offsets (stored in Postgres), so
// a destination that is down holds back only itself and keeps its backlog in the
// log. Per batch of one partition, in the runner's transaction:
//   1. read the stream's current definition (a PUT is seen by the next batch) and
//      compile it when its version changed;
//   2. split each record into its events (one JSON object or NDJSON lines) and run
//      each through the pipeline (deterministic: every destination decides alike);
//   3. deliver the events routed to this destination; file every event that could
//      not be delivered, with the destination, in ingest_errors;
//   4. record the delivery (which pipeline version produced it) with the offsets.
// Stream-wide outcomes (invalid events, processor failures, drops, events in) are
// counted and filed by one destination only, the stream's first ("counting").

import type { EntityManager } from 'typeorm';
import { IngestErrorReason } from '../common/errors';
import type { ConsumedRecord, DecodeFailure } from '../log/envelope';
import { Topics } from '../log/topics';
import type { ApplyContext, Decoded, MaterializerSurface } from '../materialize/materializer';
import type { DeliveryItem, EventRef, StreamDestination } from './destinations/destination';
import { CompiledPipeline } from './pipeline';
import { eventsOfRecord, RecordEvent } from './stream-events';
import type { DestinationSpec, StoredStream } from './stream-definition';
import type { StreamMetrics } from './stream-metrics';
import type { StreamsRepository } from './streams.repository';

export const streamMaterializerName = (streamId: string, destination: string): string => `stream:${streamId}:${destination}`;
export const streamGroupId = (streamId: string, destination: string): string => `intake.materializer.${Topics.stream(streamId)}.${destination}`;

export class StreamDestinationMaterializer implements MaterializerSurface<RecordEvent[]> {
  readonly surface = 'stream' as const;
  readonly mode = 'shared' as const;
  readonly topic: string;
  private compiled: { pipeline: CompiledPipeline; counting: boolean; spec: string } | null = null;
  private destination: StreamDestination | null = null;

  constructor(
    readonly stream: StoredStream,
    readonly destinationName: string,
    private readonly deps: {
      repo: StreamsRepository;
      metrics: StreamMetrics;
      createDestination: (spec: DestinationSpec) => StreamDestination;
    },
  ) {
    this.topic = Topics.stream(stream.id);
  }

  get sourceId(): string {
    return this.stream.id;
  }

  get partitions(): number {
    return this.stream.partitions;
  }

  decode(record: ConsumedRecord): RecordEvent[] | DecodeFailure {
    if (record.value === null) return { reason: IngestErrorReason.INVALID_RECORD, message: 'value: a stream record needs a JSON event (tombstones are not supported)' };
    return eventsOfRecord(record.value);
  }

  async applyBatch(partition: number, items: Decoded<RecordEvent[]>[], context: ApplyContext): Promise<void> {
    const tx = context.transaction as EntityManager;
    const current = await this.deps.repo.get(this.stream.id, tx);
    // A deleted stream: the registry stops this runner; nothing is delivered meanwhile.
    if (!current) throw new Error(`stream ${this.stream.id} was deleted`);
    const spec = current.definition.destinations.find((d) => d.name === this.destinationName);
    if (!spec) throw new Error(`stream ${this.stream.id} no longer has destination ${this.destinationName}`);
    const { pipeline, counting } = await this.compile(current, spec);
    const streamId = this.stream.id;
    const fileFor = (ref: EventRef, reason: IngestErrorReason, message: string, part: string): void =>
      context.fail({ offset: ref.record.offset, key: ref.record.key, value: Buffer.from(ref.text), headers: ref.record.headers }, reason, message, part);
    const routed: DeliveryItem[] = [];
    let droppedFilter = 0;
    let droppedSample = 0;
    let failed = 0;
    for (const item of items) {
      for (const [index, ev] of item.value.entries()) {
        const ref: EventRef = { record: item.record, index, text: ev.text };
        if ('error' in ev) {
          failed++;
          if (counting) fileFor(ref, IngestErrorReason.INVALID_RECORD, `events[${index}]: ${ev.error}`, String(index));
          continue;
        }
        const event = ev.value;
        if (event.timestamp === undefined || event.timestamp === null) event.timestamp = new Date(item.record.timestampMs).toISOString();
        const result = pipeline.run(event, { partition, offset: item.record.offset, index });
        if (result.kind === 'dropped') {
          if (result.by === 'filter') droppedFilter++;
          else droppedSample++;
        } else if (result.kind === 'failed') {
          failed++;
          if (counting) fileFor(ref, IngestErrorReason.PROCESSOR_FAILED, `events[${index}]: ${result.message}`, String(index));
        } else if (result.destinations.has(this.destinationName)) routed.push({ ref, event: result.event });
      }
    }
    let refused = 0;
    const delivered = await this.destination!.deliver(routed, {
      streamId,
      partition,
      pipelineVersion: pipeline.version,
      transaction: tx,
      fail: (ref, reason, message) => {
        refused++;
        fileFor(ref, reason, `destination ${this.destinationName}: ${message}`, `${this.destinationName}/${ref.index}`);
      },
    });
    if (routed.length > 0) {
      await this.deps.repo.recordDelivery(tx, {
        streamId,
        destination: this.destinationName,
        partition,
        firstOffset: routed[0].ref.record.offset,
        lastOffset: routed[routed.length - 1].ref.record.offset,
        events: delivered,
        pipelineVersion: pipeline.version,
      });
    }
    const m = this.deps.metrics;
    if (counting) {
      m.add(streamId, 'dropped_filter', droppedFilter);
      m.add(streamId, 'dropped_sample', droppedSample);
      m.add(streamId, 'failed', failed);
    }
    m.add(streamId, 'failed', refused, this.destinationName);
    m.add(streamId, 'delivered', delivered, this.destinationName);
  }

  /** The pipeline of the stream's current version, and this destination rebuilt when its spec changed. */
  private async compile(current: StoredStream, spec: DestinationSpec): Promise<{ pipeline: CompiledPipeline; counting: boolean }> {
    const specText = JSON.stringify(spec);
    if (this.compiled?.pipeline.version !== current.version || this.compiled.spec !== specText) {
      if (this.compiled?.spec !== specText || this.destination === null) {
        await this.destination?.close();
        this.destination = this.deps.createDestination(spec);
      }
      this.compiled = {
        pipeline: new CompiledPipeline(current.definition, current.version),
        counting: current.definition.destinations[0]?.name === this.destinationName,
        spec: specText,
      };
    }
    return this.compiled;
  }

  async close(): Promise<void> {
    await this.destination?.close();
    this.destination = null;
  }
}

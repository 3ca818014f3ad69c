// `topic`: one Kafka record per event (the processed event as JSON) on a topic for
// downstream consumers, keyed by `key_field` (else the event's source), with the
// pipeline version in a header. The topic is made on first use when missing.
// At-least-once: a batch retried after a crash may append some events again.

import { partitionForKey } from '../../log/partitioner';
import type { LogClient } from '../../log/log-client';
import { getPath, splitPath } from '../event-paths';
import type { DestinationSpec } from '../stream-definition';
import type { DeliveryContext, DeliveryItem, StreamDestination } from './destination';

type TopicSpec = Extract<DestinationSpec, { type: 'topic' }>;

export const PIPELINE_VERSION_HEADER = 'intake-pipeline-version';
export const STREAM_HEADER = 'intake-stream';

export class TopicDestination implements StreamDestination {
  readonly name: string;
  private partitions: number | null = null;
  private readonly keyPath: string[] | null;

  constructor(
    private readonly spec: TopicSpec,
    private readonly log: LogClient,
  ) {
    this.name = spec.name;
    this.keyPath = spec.key_field ? splitPath(spec.key_field) : null;
  }

  async deliver(items: DeliveryItem[], context: DeliveryContext): Promise<number> {
    if (items.length === 0) return 0;
    this.partitions ??= await this.log.partitionCount(this.spec.topic, 1);
    const partitions = this.partitions;
    const headers = { [PIPELINE_VERSION_HEADER]: String(context.pipelineVersion), [STREAM_HEADER]: context.streamId };
    await this.log.append(
      this.spec.topic,
      items.map((i) => {
        const k = this.keyPath ? getPath(i.event, this.keyPath) : i.event.source;
        const key = typeof k === 'string' ? k : JSON.stringify(k ?? null);
        return { key, value: Buffer.from(JSON.stringify(i.event)), headers, partition: partitionForKey(this.spec.topic, key, partitions) };
      }),
    );
    return items.length;
  }

  async close(): Promise<void> {}
}

// A stream destination: where the events routed to it go. Each destination of a
// stream has its own consumer group and offsets (stream.materializer.ts), so one
// that is down holds back only itself. `deliver` gets one partition's routed events
// in log order and returns once they are delivered or reported through `fail`;
// throwing retries the batch from the stored offset (nothing is lost, and what was
// delivered before the throw may be delivered again: at-least-once, except tables,
// whose rows commit with the offsets).

import type { IngestErrorReason } from '../../common/errors';
import type { ConsumedRecord } from '../../log/envelope';
import type { EventObject } from '../event-paths';

export interface EventRef {
  record: ConsumedRecord;
  /** The event's index within its log record (a micro-batch holds several). */
  index: number;
  /** The event as received. */
  text: string;
}

export interface DeliveryItem {
  ref: EventRef;
  /** The event after the pipeline. */
  event: EventObject;
}

export interface DeliveryContext {
  streamId: string;
  partition: number;
  pipelineVersion: number;
  /** The runner's Postgres transaction: rows written through it commit with the offsets. */
  transaction: unknown;
  fail(ref: EventRef, reason: IngestErrorReason, message: string): void;
}

export interface StreamDestination {
  readonly name: string;
  /** Returns how many events were delivered. */
  deliver(items: DeliveryItem[], context: DeliveryContext): Promise<number>;
  close(): Promise<void>;
}

/** Runs `task` with at most `limit` in flight per destination (a webhook's concurrency). */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

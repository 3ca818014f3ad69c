// `webhook`: HTTP POST of NDJSON batches (at most batch_max_events events each) to
// the destination's URL, at most `concurrency` requests in flight, each retried on
// a network error, a timeout, 408, 429 or 5xx with exponential backoff and jitter.
// A 2xx acknowledges the batch; the runner then stores the offsets, so an
// acknowledged batch is never sent again (short of a crash between the answer and
// the commit). A batch refused for good (another 4xx) or still failing after its
// retries is filed in ingest_errors, event by event, with the destination and the
// last answer: never dropped silently. Each request carries an idempotency key
// (X-Intake-Delivery-Id, the same on every retry of one batch) so a receiver can
// drop a batch it already has.

import { IngestErrorReason } from '../../common/errors';
import type { DestinationSpec } from '../stream-definition';
import { ConcurrencyLimit, DeliveryContext, DeliveryItem, StreamDestination } from './destination';

type WebhookSpec = Extract<DestinationSpec, { type: 'webhook' }>;

export const WEBHOOK_DEFAULTS = { batchMaxEvents: 500, retries: 6, concurrency: 2, timeoutMs: 10_000 } as const;
export const BACKOFF_BASE_MS = 250;
export const BACKOFF_MAX_MS = 30_000;
/** Of a refusing answer's body, what goes into the error message. */
const ANSWER_CHARS_MAX = 300;

export class WebhookDestination implements StreamDestination {
  readonly name: string;
  private readonly limit: ConcurrencyLimit;
  private closed = false;

  constructor(
    private readonly spec: WebhookSpec,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms).unref()),
  ) {
    this.name = spec.name;
    this.limit = new ConcurrencyLimit(spec.concurrency ?? WEBHOOK_DEFAULTS.concurrency);
  }

  async deliver(items: DeliveryItem[], context: DeliveryContext): Promise<number> {
    const size = this.spec.batch_max_events ?? WEBHOOK_DEFAULTS.batchMaxEvents;
    const chunks: DeliveryItem[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    const delivered = await Promise.all(chunks.map((chunk) => this.limit.run(() => this.post(chunk, context))));
    return delivered.reduce((a, b) => a + b, 0);
  }

  private async post(chunk: DeliveryItem[], context: DeliveryContext): Promise<number> {
    const first = chunk[0].ref;
    const last = chunk[chunk.length - 1].ref;
    const deliveryId = `${context.streamId}/${this.name}/${context.partition}/${first.record.offset}.${first.index}-${last.record.offset}.${last.index}`;
    const body = chunk.map((i) => JSON.stringify(i.event)).join('\n') + '\n';
    const retries = this.spec.retries ?? WEBHOOK_DEFAULTS.retries;
    let problem = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
        await this.sleep(backoff / 2 + Math.random() * (backoff / 2));
      }
      if (this.closed) throw new Error(`destination ${this.name} closed while delivering`);
      const outcome = await this.attempt(body, deliveryId, chunk.length, context);
      if (outcome === 'ok') return chunk.length;
      problem = outcome.problem;
      if (!outcome.retriable) break;
    }
    for (const item of chunk) context.fail(item.ref, IngestErrorReason.DESTINATION_FAILED, `webhook ${this.spec.url}: ${problem}`);
    return 0;
  }

  private async attempt(body: string, deliveryId: string, events: number, context: DeliveryContext): Promise<'ok' | { retriable: boolean; problem: string }> {
    try {
      const answer = await fetch(this.spec.url, {
        method: 'POST',
        headers: {
          ...(this.spec.headers ?? {}),
          'content-type': 'application/x-ndjson',
          'x-intake-stream': context.streamId,
          'x-intake-destination': this.name,
          'x-intake-pipeline-version': String(context.pipelineVersion),
          'x-intake-delivery-id': deliveryId,
          'x-intake-events': String(events),
        },
        body,
        signal: AbortSignal.timeout(this.spec.timeout_ms ?? WEBHOOK_DEFAULTS.timeoutMs),
      });
      const text = await answer.text().catch(() => '');
      if (answer.status >= 200 && answer.status < 300) return 'ok';
      const retriable = answer.status === 408 || answer.status === 429 || answer.status >= 500;
      return { retriable, problem: `answered ${answer.status}: ${text.slice(0, ANSWER_CHARS_MAX)}` };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return { retriable: true, problem: `request failed: ${(err as Error).message}${cause ? ` (${cause})` : ''}` };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

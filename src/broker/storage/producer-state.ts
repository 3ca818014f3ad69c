// Idempotent-producer bookkeeping for one partition, with Apache Kafka's semantics:
// per producer id the current epoch and the last few appended batches, so a retried
// batch is answered with its original offsets instead of being written twice.
// The table is rebuilt from batch headers on open, so deduplication survives restarts
// for as long as the producer's batches are retained.

import { BatchHeader } from '../protocol/record-batch';

/** Kafka caches this many batches per producer (max.in.flight.requests for idempotence). */
export const PRODUCER_BATCHES_CACHED = 5;

const SEQUENCE_MAX = 0x7fffffff;

export type ProducerHeader = Pick<BatchHeader, 'producerId' | 'producerEpoch' | 'baseSequence' | 'lastOffsetDelta' | 'isControl'>;

export interface CachedBatch {
  firstSeq: number;
  lastSeq: number;
  baseOffset: bigint;
  lastOffset: bigint;
}

export interface ProducerEntry {
  epoch: number;
  /** Oldest first; all share `epoch`. */
  batches: CachedBatch[];
  lastAppendMs: number;
}

export type ProducerCheck =
  | { kind: 'new' }
  | { kind: 'duplicate'; baseOffset: bigint; lastOffset: bigint }
  | { kind: 'error'; error: 'out_of_order_sequence' | 'invalid_producer_epoch' };

/** Sequences wrap to 0 after int32 max, as in Kafka's DefaultRecordBatch.incrementSequence. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > SEQUENCE_MAX - increment) return increment - (SEQUENCE_MAX - sequence) - 1;
  return sequence + increment;
}

const NEW: ProducerCheck = { kind: 'new' };

export class ProducerStateTable {
  private readonly entries = new Map<bigint, ProducerEntry>();

  get size(): number {
    return this.entries.size;
  }

  get(producerId: bigint): Readonly<ProducerEntry> | undefined {
    return this.entries.get(producerId);
  }

  /** Decides what to do with a produced batch before it is appended. */
  check(h: ProducerHeader): ProducerCheck {
    if (h.producerId < 0n) return NEW;
    const entry = this.entries.get(h.producerId);
    // Unknown producer: its state may have aged out with retention, so any sequence goes
    // (Kafka >= 2.5 behaves the same rather than failing with UNKNOWN_PRODUCER_ID).
    if (entry === undefined) return NEW;
    if (h.producerEpoch < entry.epoch) return { kind: 'error', error: 'invalid_producer_epoch' };
    if (h.producerEpoch > entry.epoch) {
      return h.baseSequence === 0 ? NEW : { kind: 'error', error: 'out_of_order_sequence' };
    }
    const lastSeq = incrementSequence(h.baseSequence, h.lastOffsetDelta);
    for (const b of entry.batches) {
      if (b.firstSeq === h.baseSequence && b.lastSeq === lastSeq) {
        return { kind: 'duplicate', baseOffset: b.baseOffset, lastOffset: b.lastOffset };
      }
    }
    const latest = entry.batches[entry.batches.length - 1];
    // Same epoch but nothing cached (only a control batch seen): no sequence to continue from.
    if (latest === undefined) return NEW;
    return h.baseSequence === incrementSequence(latest.lastSeq, 1) ? NEW : { kind: 'error', error: 'out_of_order_sequence' };
  }

  /** Remembers an appended batch; `baseOffset` is the offset the log assigned it. */
  record(h: ProducerHeader, baseOffset: bigint, nowMs = Date.now()): void {
    if (h.producerId < 0n) return;
    let entry = this.entries.get(h.producerId);
    if (entry === undefined) {
      entry = { epoch: h.producerEpoch, batches: [], lastAppendMs: nowMs };
      this.entries.set(h.producerId, entry);
    } else if (entry.epoch !== h.producerEpoch) {
      // A new epoch restarts sequences at 0; the old epoch's batches can never match again.
      entry.epoch = h.producerEpoch;
      entry.batches = [];
    }
    entry.lastAppendMs = nowMs;
    // Transaction markers carry the producer's epoch but no sequence numbers.
    if (h.isControl || h.baseSequence < 0) return;
    entry.batches.push({
      firstSeq: h.baseSequence,
      lastSeq: incrementSequence(h.baseSequence, h.lastOffsetDelta),
      baseOffset,
      lastOffset: baseOffset + BigInt(h.lastOffsetDelta),
    });
    if (entry.batches.length > PRODUCER_BATCHES_CACHED) entry.batches.shift();
  }

  /**
   * Forgets producers idle for longer than idleMsMax (Kafka's producer.id.expiration.ms);
   * each idempotent client instance gets a fresh id, so without this the table only grows.
   */
  expire(nowMs: number, idleMsMax: number): number {
    let removed = 0;
    for (const [id, entry] of this.entries) {
      if (nowMs - entry.lastAppendMs > idleMsMax) {
        this.entries.delete(id);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.entries.clear();
  }
}

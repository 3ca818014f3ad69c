// One shard's upserts and deletes, gathered in log order for one request to the shard's
// worker: ids, an upsert/delete flag per record, and every upsert's vector copied into
// ONE Float32Array whose buffer is transferred to the worker (not cloned, not JSON).
// The buffer is sized for the whole batch up front; the worker reads only the rows used.

import type { ConsumedRecord } from '../log/envelope';
import type { Metadata } from './shard-index';
import type { VectorRecord } from './vector-record';
import type { ShardRequest } from './workers/shard-protocol';

export class ShardBatch {
  private readonly records: ConsumedRecord[] = [];
  private readonly ids: string[] = [];
  private readonly upsert: Uint8Array;
  private readonly vectors: Float32Array;
  private readonly metadata: (Metadata | null)[] = [];
  private upserts = 0;
  private withMetadata = false;

  constructor(
    private readonly dimension: number,
    capacity: number,
  ) {
    this.upsert = new Uint8Array(capacity);
    this.vectors = new Float32Array(capacity * dimension);
  }

  get length(): number {
    return this.ids.length;
  }

  add(record: ConsumedRecord, value: Exclude<VectorRecord, { op: 'finalize' }>): void {
    const at = this.ids.length;
    this.records.push(record);
    this.ids.push(value.id);
    if (value.op === 'upsert') {
      this.upsert[at] = 1;
      this.vectors.set(value.vector, this.upserts * this.dimension);
      this.metadata.push(value.metadata);
      if (value.metadata !== null) this.withMetadata = true;
      this.upserts++;
    }
  }

  /** The record at position `at` (a rejected one is filed under its own offset). */
  record(at: number): ConsumedRecord {
    return this.records[at];
  }

  /** The apply request; `vectors` is detached once posted with `transfer`. */
  request(key: string): { request: ShardRequest; transfer: ArrayBuffer[] } {
    const request: ShardRequest = {
      op: 'apply',
      key,
      ids: this.ids,
      upsert: this.upsert,
      vectors: this.vectors,
      ...(this.withMetadata ? { metadata: this.metadata } : {}),
    };
    return { request, transfer: [this.vectors.buffer as ArrayBuffer] };
  }
}

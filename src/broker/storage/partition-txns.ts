// One partition's view of transactions: which producers have a transaction open on it (from
// where: that bounds the last stable offset, LSO) and which transactions were aborted (for
// read_committed fetches, as Kafka's .txnindex). The aborted list is kept in
// `aborted-txns.json` beside the segments (atomic replace + fsync when an abort is recorded),
// so it survives restarts; open transactions are re-registered by the transaction
// coordinator when it starts (it aborts them).
import * as path from 'node:path';
import { readJsonFile, writeJsonFileDurably } from './json-file';

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: bigint;
  /** The offset of its abort marker. */
  lastOffset: bigint;
}

interface AbortedFile {
  aborted: { producerId: string; firstOffset: string; lastOffset: string }[];
}

export class PartitionTxns {
  /** producerId → the first offset its open transaction may occupy here, and the producer epoch it is open for. */
  private readonly open = new Map<bigint, { from: bigint; epoch: number }>();
  private aborted: AbortedTxn[];
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'aborted-txns.json');
    const saved = readJsonFile<AbortedFile>(this.file);
    this.aborted = (saved?.aborted ?? []).map((a) => ({ producerId: BigInt(a.producerId), firstOffset: BigInt(a.firstOffset), lastOffset: BigInt(a.lastOffset) }));
  }

  /** A transaction of this producer (at this epoch) may write here from `fromOffset` on (a no-op if already open). */
  begin(producerId: bigint, fromOffset: bigint, epoch: number): void {
    if (!this.open.has(producerId)) this.open.set(producerId, { from: fromOffset, epoch });
  }

  /** Open for this producer at this epoch: a fenced instance (older epoch) of the same producer id is not. */
  isOpen(producerId: bigint, epoch: number): boolean {
    return this.open.get(producerId)?.epoch === epoch;
  }

  /** The producer's marker was appended at `markerOffset`; an abort is recorded durably. */
  end(producerId: bigint, markerOffset: bigint, aborted: boolean): void {
    const first = this.open.get(producerId)?.from;
    this.open.delete(producerId);
    if (!aborted || first === undefined) return;
    this.aborted.push({ producerId, firstOffset: first, lastOffset: markerOffset });
    this.save();
  }

  /** The first offset a read_committed consumer may not read yet: the earliest open transaction's start, or the log end. */
  lastStableOffset(logEndOffset: bigint): bigint {
    let lso = logEndOffset;
    for (const { from } of this.open.values()) if (from < lso) lso = from;
    return lso;
  }

  /** Aborted transactions overlapping [from, to), in offset order (Fetch's aborted_transactions). */
  abortedBetween(from: bigint, to: bigint): AbortedTxn[] {
    return this.aborted.filter((a) => a.lastOffset >= from && a.firstOffset < to);
  }

  /** Forgets aborted transactions wholly below the log start (retention, DeleteRecords). */
  trimBelow(logStartOffset: bigint): void {
    const kept = this.aborted.filter((a) => a.lastOffset >= logStartOffset);
    if (kept.length === this.aborted.length) return;
    this.aborted = kept;
    this.save();
  }

  private save(): void {
    const out: AbortedFile = {
      aborted: this.aborted.map((a) => ({ producerId: String(a.producerId), firstOffset: String(a.firstOffset), lastOffset: String(a.lastOffset) })),
    };
    writeJsonFileDurably(this.file, out);
  }
}

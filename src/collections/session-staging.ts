// Rows of open index ingest sessions, per shard. They sit in the log and here, not
// in the shard's index, until the session's finalize record arrives. The checkpoint
// records each open session's first offset, so a restart replays from there and
// stages the rows again (rows are not written into checkpoints).

export interface StagedRow {
  id: string;
  vector: Float32Array;
  /** Where the row sits in the log: a rejected row is filed under its own offset. */
  offset: bigint;
}

interface OpenSession {
  firstOffset: bigint;
  rows: StagedRow[];
}

/** Rows one shard may hold staged across sessions; past this a finalize is required first. */
export const STAGED_ROWS_PER_SHARD_MAX = 5_000_000;

export class SessionStaging {
  private readonly sessions = new Map<string, OpenSession>();
  private stagedRows = 0;

  /** Sessions a checkpoint knew to be open: their rows below the checkpoint are re-staged on replay. */
  restore(open: Record<string, string>): void {
    for (const [session, first] of Object.entries(open)) this.sessions.set(session, { firstOffset: BigInt(first), rows: [] });
  }

  /** During replay below the checkpoint: does this row belong to a session still open at the checkpoint? */
  wasOpenAt(session: string, offset: bigint): boolean {
    const s = this.sessions.get(session);
    return s !== undefined && offset >= s.firstOffset;
  }

  /** Returns false when the shard's staging limit is reached (the row is then an ingest error). */
  stage(session: string, offset: bigint, row: StagedRow): boolean {
    if (this.stagedRows >= STAGED_ROWS_PER_SHARD_MAX) return false;
    let s = this.sessions.get(session);
    if (!s) {
      s = { firstOffset: offset, rows: [] };
      this.sessions.set(session, s);
    }
    s.rows.push(row);
    this.stagedRows++;
    return true;
  }

  /** Removes the session and hands over its rows in log order. */
  take(session: string): StagedRow[] {
    const s = this.sessions.get(session);
    this.sessions.delete(session);
    this.stagedRows -= s?.rows.length ?? 0;
    return s?.rows ?? [];
  }

  rowCount(session: string): number {
    return this.sessions.get(session)?.rows.length ?? 0;
  }

  /** For the checkpoint. */
  openSessions(): Record<string, string> {
    return Object.fromEntries([...this.sessions].map(([id, s]) => [id, s.firstOffset.toString()]));
  }

  earliestOffset(): bigint | null {
    let min: bigint | null = null;
    for (const s of this.sessions.values()) if (min === null || s.firstOffset < min) min = s.firstOffset;
    return min;
  }
}

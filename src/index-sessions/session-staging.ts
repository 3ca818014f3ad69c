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

  /**
   * Returns false when the shard's staging limit is reached (the row is then an ingest error).
   * Rows arrive in log order, so a row at or below the session's last staged offset is a
   * redelivery (a batch retried after a failed build, a replay) and is already here.
   */
  stage(session: string, offset: bigint, row: StagedRow): boolean {
    let s = this.sessions.get(session);
    if (s && s.rows.length > 0 && offset <= s.rows[s.rows.length - 1].offset) return true;
    if (this.stagedRows >= STAGED_ROWS_PER_SHARD_MAX) return false;
    if (!s) {
      s = { firstOffset: offset, rows: [] };
      this.sessions.set(session, s);
    }
    s.rows.push(row);
    this.stagedRows++;
    return true;
  }

  /** The session's rows in log order; they stay staged until release(). */
  rows(session: string): readonly StagedRow[] {
    return this.sessions.get(session)?.rows ?? [];
  }

  /**
   * Forgets the session. Called only once its build is swapped in: until then the rows
   * must stay, so a build that fails and is retried still has every row.
   */
  release(session: string): void {
    this.stagedRows -= this.sessions.get(session)?.rows.length ?? 0;
    this.sessions.delete(session);
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

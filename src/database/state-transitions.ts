// State machines as data: the allowed transitions of a status column in one table,
// and one compare-and-set UPDATE that moves a row only from the state the caller
// saw (`WHERE status = $from`), so two nodes racing on the same row cannot both win.
// The table's CHECK constraint lists the same states (see the migrations); a
// transition not in the table is a bug and throws before any SQL runs.

import type { DataSource, EntityManager } from 'typeorm';

export class StateTransitions<S extends string> {
  constructor(
    /** For messages: `index session`, `task`, … */
    readonly name: string,
    private readonly allowed: Readonly<Record<S, readonly S[]>>,
  ) {}

  get states(): S[] {
    return Object.keys(this.allowed) as S[];
  }

  can(from: S, to: S): boolean {
    return this.allowed[from]?.includes(to) ?? false;
  }

  /**
   * Moves the row(s) matching `where` from `from` to `to`; false when no row was in
   * `from` (someone else moved it first). Table, column and `where` names come from
   * code, never from a request.
   */
  async move(
    db: DataSource | EntityManager,
    target: { table: string; column?: string; where: Record<string, unknown> },
    from: S,
    to: S,
  ): Promise<boolean> {
    if (!this.can(from, to)) throw new Error(`${this.name}: no transition ${from} → ${to}`);
    const column = target.column ?? 'status';
    const keys = Object.keys(target.where);
    const conditions = keys.map((k, i) => `"${k}" = $${i + 3}`).join(' AND ');
    const rows: unknown[] = await db.query(
      `UPDATE "${target.table}" SET "${column}" = $2 WHERE "${column}" = $1 AND ${conditions} RETURNING 1`,
      [from, to, ...keys.map((k) => target.where[k])],
    );
    // pg through TypeORM answers an UPDATE … RETURNING as [rows, count].
    const returned = Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
    return returned.length > 0;
  }
}

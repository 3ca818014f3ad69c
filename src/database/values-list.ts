// The VALUES list of a multi-row INSERT: one `($1, $2::cast, …)` tuple per row, every
// value a bind parameter (nothing from a row is ever spliced into the SQL).

/**
 * `rows` all have `casts.length` values; `casts[c]` is a Postgres type to cast column c
 * to (`timestamptz`, `uuid`) or '' for none.
 */
export function valuesList(rows: readonly (readonly unknown[])[], casts: readonly string[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((row) => {
    if (row.length !== casts.length) throw new RangeError(`a row has ${row.length} values, the list ${casts.length} columns`);
    const base = params.length;
    params.push(...row);
    return `(${casts.map((cast, c) => `$${base + c + 1}${cast ? `::${cast}` : ''}`).join(', ')})`;
  });
  return { sql: tuples.join(', '), params };
}

// The one way a name from a request becomes part of SQL text: as a quoted
// identifier, after it has matched NAME_PATTERN. Postgres cannot take an identifier
// as a bind parameter, so table and column names of sink tables are spliced into
// statements; this helper is why that is safe. A name that does not match the
// pattern is a bug upstream (the request schemas refuse it first) and throws.

import { NAME_PATTERN } from '../common/identifiers';

/** The schema holding every sink table, apart from Intake's own tables. */
export const SINK_TABLES_SCHEMA = 'intake_tables';

/** `"name"`; throws unless `name` matches NAME_PATTERN (so it holds no quote to escape). */
export function quoteIdentifier(name: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw new Error(`refusing to quote identifier ${JSON.stringify(name)}: it does not match ${NAME_PATTERN.source}`);
  // Doubling quotes is Postgres's escape; the pattern already excludes them, this is belt and braces.
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"intake_tables"."name"`. */
export function sinkTableIdentifier(table: string): string {
  return `${quoteIdentifier(SINK_TABLES_SCHEMA)}.${quoteIdentifier(table)}`;
}

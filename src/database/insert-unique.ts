// One way to insert a row whose key must be new: Postgres refuses a duplicate with
// SQLSTATE 23505 (unique or primary-key violation), which becomes the caller's
// conflict error. insert, not save: save would turn a duplicate into an update.

import { ObjectLiteral, QueryFailedError, Repository } from 'typeorm';

/** Postgres SQLSTATE for a unique or primary-key violation. */
const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(err: unknown): boolean {
  return err instanceof QueryFailedError && (err.driverError as { code?: string }).code === UNIQUE_VIOLATION;
}

/** Inserts `row`; throws `conflict()` instead when its key is taken. */
export async function insertUnique<T extends ObjectLiteral>(repo: Repository<T>, row: T, conflict: () => Error): Promise<void> {
  try {
    await repo.insert(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict();
    throw err;
  }
}

// An index session's records on its collection's topic (docs/topics.md):
//   rows     ordinary vector records (src/collections/vector-record.ts) with the
//            header intake-session = the session id
//   finalize a control record in every partition: key = the session id,
//            header intake-op: "finalize", value = JSON FinalizeCommand
// Decoding never throws on a record a direct producer wrote: it returns a failure
// that the materializer files into ingest_errors.

import { IngestErrorReason } from '../common/errors';
import type { DecodeFailure } from '../log/envelope';

export type IngestMode = 'build' | 'insert' | 'upsert';
export const INGEST_MODES: readonly IngestMode[] = ['build', 'insert', 'upsert'];

export interface FinalizeCommand {
  session: string;
  mode: IngestMode;
  optimize: boolean;
  params: { M: number; efConstruction: number; efSearch: number; randomSeed: number };
}

export function encodeFinalize(command: FinalizeCommand): Buffer {
  return Buffer.from(JSON.stringify(command));
}

export function decodeFinalize(value: Buffer | null): FinalizeCommand | DecodeFailure {
  const bad = (why: string): DecodeFailure => ({ reason: IngestErrorReason.INVALID_RECORD, message: `finalize command: ${why}` });
  if (!value) return bad('no value');
  let c: FinalizeCommand;
  try {
    c = JSON.parse(value.toString('utf8'));
  } catch {
    return bad('value is not JSON');
  }
  const p = c?.params;
  const posInt = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  if (typeof c?.session !== 'string' || !INGEST_MODES.includes(c.mode) || typeof c.optimize !== 'boolean') {
    return bad('needs session, mode (build|insert|upsert) and optimize');
  }
  if (!p || !posInt(p.M) || !posInt(p.efConstruction) || !posInt(p.efSearch) || !Number.isInteger(p.randomSeed)) {
    return bad('params need positive integers M, efConstruction, efSearch and an integer randomSeed');
  }
  return c;
}

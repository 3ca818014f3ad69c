// The records of `intake.tasks` (docs/tasks.md): one command per run or restart.
//   key     = the task id (UTF-8): every command of a task lands in one partition, in order
//   value   = JSON {"task_id": "...", "attempt": 1}
//   headers = intake-op: "run"
// A command only names the task: its items are in Postgres (a task can be 32 MiB,
// well over a Kafka record's 1 MiB). Decoding never throws: a record a direct
// producer got wrong becomes a DecodeFailure, filed in ingest_errors.

import { IngestErrorReason } from '../common/errors';
import { recordIdViolation } from '../common/identifiers';
import { ConsumedRecord, DecodeFailure, headerString } from '../log/envelope';
import type { AppendRecord } from '../log/log-client';
import { partitionForKey } from '../log/partitioner';
import { Topics } from '../log/topics';

export const TASK_OP_HEADER = 'intake-op';
export const TASK_OP_RUN = 'run';

export interface TaskCommand {
  taskId: string;
  attempt: number;
}

export function taskCommandRecord(command: TaskCommand, partitions: number): AppendRecord {
  return {
    key: command.taskId,
    value: Buffer.from(JSON.stringify({ task_id: command.taskId, attempt: command.attempt })),
    headers: { [TASK_OP_HEADER]: TASK_OP_RUN },
    partition: partitionForKey(Topics.tasks, command.taskId, partitions),
  };
}

export function decodeTaskCommand(record: Pick<ConsumedRecord, 'value' | 'headers'>): TaskCommand | DecodeFailure {
  const op = headerString(record.headers, TASK_OP_HEADER) ?? TASK_OP_RUN;
  if (op !== TASK_OP_RUN) return { reason: IngestErrorReason.UNKNOWN_OP, message: `header ${TASK_OP_HEADER}=${op}: expected ${TASK_OP_RUN}` };
  if (record.value === null) return { reason: IngestErrorReason.INVALID_RECORD, message: 'value: a task command needs a JSON object value' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.value.toString('utf8'));
  } catch (err) {
    return { reason: IngestErrorReason.MALFORMED_JSON, message: `value: is not valid JSON: ${(err as Error).message}` };
  }
  const { task_id: taskId, attempt } = (parsed ?? {}) as { task_id?: unknown; attempt?: unknown };
  const idProblem = recordIdViolation(taskId);
  if (idProblem !== null) return { reason: IngestErrorReason.INVALID_RECORD, message: `value.task_id: ${idProblem}` };
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1) {
    return { reason: IngestErrorReason.INVALID_RECORD, message: 'value.attempt: must be an integer ≥ 1' };
  }
  return { taskId: taskId as string, attempt };
}

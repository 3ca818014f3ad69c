// The task worker: a shared-mode surface of the one materializer runner over
// `intake.tasks`. The nodes of a cluster split its partitions (one consumer group),
// and each command is applied inside the runner's Postgres transaction that holds
// the partition's offset row locked: a command's offset is stored only once its task
// has ended (done, failed, canceled), so a node that dies mid-task leaves the command
// unstored and whoever holds the partition next runs it again from the task's cursor.
// The lock also means a partition handed over during a rebalance waits for the
// previous holder's commit instead of running the same task twice at once.

import { Logger } from '@nestjs/common';
import { IngestErrorReason } from '../common/errors';
import type { ApplyContext, ConsumedRecord, Decoded, DecodeFailure, MaterializerSurface } from '../materialize/materializer';
import { Topics } from '../log/topics';
import { TaskCommand, decodeTaskCommand } from './task-command';
import { TaskProcessor, WorkerStoppingError } from './task-processor';

/** The runner's name for its offset rows (materializer_offsets.materializer). */
export const TASK_WORKER_NAME = 'tasks';
/** Shared mode: one group across the cluster. */
export const TASK_WORKER_GROUP_ID = `intake.materializer.${Topics.tasks}`;
/**
 * Tries of one command whose run threw (the database or the log unreachable, a bug).
 * Each try resumes at the task's cursor. After the last, the command is filed in
 * ingest_errors and its task marked failed, so one bad task never holds up its partition.
 */
export const TASK_TRIES_MAX = 5;
const RETRY_BACKOFF_MS = 1_000;

export class TaskWorker implements MaterializerSurface<TaskCommand> {
  readonly surface = 'task' as const;
  readonly sourceId = TASK_WORKER_NAME;
  readonly topic = Topics.tasks;
  readonly mode = 'shared' as const;

  private readonly logger = new Logger('TaskWorker');

  constructor(
    readonly partitions: number,
    private readonly processor: TaskProcessor,
    private readonly stopping: () => boolean,
  ) {}

  decode(record: ConsumedRecord): TaskCommand | DecodeFailure {
    return decodeTaskCommand(record);
  }

  // Commands of one partition run one after another, in log order (a task's run before its restart).
  async applyBatch(_partition: number, items: Decoded<TaskCommand>[], context: ApplyContext): Promise<void> {
    for (const item of items) await this.run(item, context);
  }

  // Retried here, not by redelivery: kafkajs stops a consumer for good on an error that is not its own.
  private async run(item: Decoded<TaskCommand>, context: ApplyContext): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        await this.processor.process(item.value);
        return;
      } catch (err) {
        if (err instanceof WorkerStoppingError || this.stopping()) throw err;
        const message = `task ${item.value.taskId}: ${(err as Error).message}`;
        if (tries >= TASK_TRIES_MAX) {
          this.logger.error(`${message}; giving up after ${tries} tries`);
          context.fail(item.record, IngestErrorReason.INTERNAL, `${message} (after ${tries} tries)`);
          await this.processor.abandon(item.value);
          return;
        }
        this.logger.warn(`${message}; try ${tries} of ${TASK_TRIES_MAX}, resuming from its cursor`);
        await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS * tries));
      }
    }
  }
}

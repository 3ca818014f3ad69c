// The task worker: a shared-mode surface of the one materializer runner over
// `intake.tasks`. The nodes of a cluster split its partitions (one consumer group),
// and each command is applied inside the runner's Postgres transaction that holds
// the partition's offset row locked: a command's offset is stored only once its task
// has ended (done, failed, canceled), so a node that dies mid-task leaves the command
// unstored and whoever holds the partition next runs it again from the task's cursor.
// The lock also means a partition handed over during a rebalance waits for the
// previous holder's commit instead of running the same task twice at once.

import type { ApplyContext, ConsumedRecord, Decoded, DecodeFailure, MaterializerSurface } from '../materialize/materializer';
import { Topics } from '../log/topics';
import { TaskCommand, decodeTaskCommand } from './task-command';
import type { TaskProcessor } from './task-processor';

/** The runner's name for its offset rows (materializer_offsets.materializer). */
export const TASK_WORKER_NAME = 'tasks';
/** Shared mode: one group across the cluster. */
export const TASK_WORKER_GROUP_ID = `intake.materializer.${Topics.tasks}`;

export class TaskWorker implements MaterializerSurface<TaskCommand> {
  readonly surface = 'task' as const;
  readonly sourceId = TASK_WORKER_NAME;
  readonly topic = Topics.tasks;
  readonly mode = 'shared' as const;

  constructor(
    readonly partitions: number,
    private readonly processor: TaskProcessor,
  ) {}

  decode(record: ConsumedRecord): TaskCommand | DecodeFailure {
    return decodeTaskCommand(record);
  }

  // Commands of one partition run one after another, in log order (a task's run before its restart).
  async applyBatch(_partition: number, items: Decoded<TaskCommand>[], _context: ApplyContext): Promise<void> {
    for (const item of items) await this.processor.process(item.value);
  }
}

// An upsertion task's life as data: the statuses and the only moves between them.
// Every status change goes through TASK_TRANSITIONS.move (a compare-and-set), so a
// cancel racing the worker, or two nodes racing on one task, cannot both win.

import { StateTransitions } from '../database/state-transitions';

export const TASK_STATUSES = ['pending', 'processing', 'done', 'failed', 'canceled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Which of the two collections a task fills: /run → default, /categories/run → categories. */
export type TaskTarget = 'default' | 'categories';

export const TASK_TRANSITIONS = new StateTransitions<TaskStatus>('upsertion task', {
  // the worker takes it; or a cancel before it did
  pending: ['processing', 'canceled'],
  // the worker ends it; or a cancel seen between batches
  processing: ['done', 'failed', 'canceled'],
  done: [],
  // restart
  failed: ['pending'],
  canceled: ['pending'],
});

/** Statuses a restart may start from, and a cancel may stop. */
export const RESTARTABLE: readonly TaskStatus[] = TASK_TRANSITIONS.states.filter((s) => TASK_TRANSITIONS.can(s, 'pending'));
export const CANCELABLE: readonly TaskStatus[] = TASK_TRANSITIONS.states.filter((s) => TASK_TRANSITIONS.can(s, 'canceled'));

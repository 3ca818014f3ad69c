// Conditions of filters, samples and routes: MongoDB-style queries ({"level":
// "debug"}, {"event.amount": {"$gt": 100}}), matched by `sift`, a maintained
// implementation of MongoDB's query language. Never `eval` or `new Function` on
// user text: sift's `$where` compiles a string into a function, so it is refused
// here, with every operator sift knows that is not on the list below.

import sift from 'sift';
import { FORBIDDEN_KEYS } from './event-paths';

export type Condition = Record<string, unknown>;
export type Matcher = (event: unknown) => boolean;

/** The operators a condition may use; `$where` (code) is not among them. */
const OPERATORS = new Set([
  '$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$exists', '$type', '$regex', '$options',
  '$and', '$or', '$nor', '$not', '$all', '$elemMatch', '$size', '$mod',
]);
/** A regex in a condition runs on every event: bounded so one cannot be made arbitrarily costly. */
export const CONDITION_REGEX_CHARS_MAX = 512;
const CONDITION_DEPTH_MAX = 16;

/** Null when the condition is acceptable; otherwise the rule it breaks, naming the key. */
export function conditionProblem(condition: unknown, depth = 0): string | null {
  if (depth > CONDITION_DEPTH_MAX) return `nests deeper than ${CONDITION_DEPTH_MAX} levels`;
  if (Array.isArray(condition)) {
    for (const [i, c] of condition.entries()) {
      const p = conditionProblem(c, depth + 1);
      if (p) return `[${i}]: ${p}`;
    }
    return null;
  }
  if (typeof condition !== 'object' || condition === null) return null;
  for (const [key, value] of Object.entries(condition)) {
    if (key.startsWith('$') && !OPERATORS.has(key)) return `'${key}' is not a supported operator (supported: ${[...OPERATORS].join(', ')})`;
    if (key.split('.').some((k) => FORBIDDEN_KEYS.has(k))) return `'${key}' is not an allowed field name`;
    if (key === '$regex') {
      const source = value instanceof RegExp ? value.source : value;
      if (typeof source !== 'string') return `'$regex' must be a string`;
      if (source.length > CONDITION_REGEX_CHARS_MAX) return `'$regex' is longer than ${CONDITION_REGEX_CHARS_MAX} characters`;
      try {
        new RegExp(source);
      } catch (err) {
        return `'$regex' is not a valid regular expression: ${(err as Error).message}`;
      }
    }
    const p = conditionProblem(value, depth + 1);
    if (p) return `${key}.${p}`;
  }
  return null;
}

/** Compiles a condition checked by conditionProblem. */
export function compileCondition(condition: Condition): Matcher {
  const problem = conditionProblem(condition);
  if (problem) throw new Error(`invalid condition: ${problem}`);
  return sift(condition) as Matcher;
}

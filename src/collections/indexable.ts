// The HTTP-facing side of the index's vector rules: a vector the index would refuse
// is a 400 naming the field (and the component), raised before anything reaches the
// log. Every write route that carries a vector (streaming upsert, session ingest,
// search) uses this, so the edge and the index never disagree.
import { Errors } from '../common/errors';
import { Metric, vectorRuleViolation } from './shard-index';

export function requireIndexable(vector: ArrayLike<number>, metric: Metric, field: string): void {
  const violation = vectorRuleViolation(vector, metric);
  if (violation) throw Errors.validation(violation.component === undefined ? field : `${field}[${violation.component}]`, violation.rule);
}

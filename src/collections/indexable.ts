// The HTTP-facing side of the index's vector rules: a vector the index would refuse
// is a 400 naming the field (and the component), raised before anything reaches the
// log. Every route that carries a vector (streaming upsert, session ingest, search)
// uses this after its request schema has passed, so the edge and the index never
// disagree: the length must be the collection's dimension, and the values must pass
// the index's own rules (finite float32, not all zeros under cosine).
import { Errors } from '../common/errors';
import { Metric, vectorRuleViolation } from './shard-index';

export function requireIndexable(vector: ArrayLike<number>, index: { dimension: number; metric: Metric }, field: string): void {
  if (vector.length !== index.dimension) throw Errors.validation(field, `expected ${index.dimension} numbers, got ${vector.length}`);
  const violation = vectorRuleViolation(vector, index.metric);
  if (violation) throw Errors.validation(violation.component === undefined ? field : `${field}[${violation.component}]`, violation.rule);
}

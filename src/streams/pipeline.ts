// One version of a stream's definition, compiled: the processors in order, then
// the routes. Pure and deterministic (sampling hashes a key or the log position),
// so every destination's worker, a replay, and POST /v1/streams/{id}/test all
// decide the same way for one event.

import { compileCondition, Matcher } from './conditions';
import type { EventObject } from './event-paths';
import { compileProcessor, CompiledProcessor, EventPosition, ProcessorFailure } from './processors';
import { StreamDefinition, UNMATCHED_DESTINATION } from './stream-definition';

export type PipelineResult =
  | { kind: 'routed'; event: EventObject; destinations: Set<string> }
  | { kind: 'dropped'; by: 'filter' | 'sample' }
  | { kind: 'failed'; message: string };

interface CompiledRoute {
  matches: Matcher;
  to: string[];
  final: boolean;
}

export class CompiledPipeline {
  private readonly processors: CompiledProcessor[];
  private readonly routes: CompiledRoute[];
  private readonly everyDestination: Set<string>;
  private readonly unmatched: boolean;

  constructor(
    definition: StreamDefinition,
    readonly version: number,
  ) {
    this.processors = definition.pipeline.map((p, i) => compileProcessor(p, i));
    this.routes = definition.routes.map((r) => ({ matches: r.when ? compileCondition(r.when) : () => true, to: r.to, final: r.final === true }));
    this.everyDestination = new Set(definition.destinations.map((d) => d.name).filter((n) => n !== UNMATCHED_DESTINATION));
    this.unmatched = definition.destinations.some((d) => d.name === UNMATCHED_DESTINATION);
  }

  /** Runs the event (changed in place) through the processors and the routes. */
  run(event: EventObject, position: EventPosition): PipelineResult {
    try {
      for (const p of this.processors) {
        const verdict = p(event, position);
        if (verdict === 'drop_filter') return { kind: 'dropped', by: 'filter' };
        if (verdict === 'drop_sample') return { kind: 'dropped', by: 'sample' };
      }
    } catch (err) {
      if (err instanceof ProcessorFailure) return { kind: 'failed', message: err.message };
      return { kind: 'failed', message: `a processor failed: ${(err as Error).message}` };
    }
    return { kind: 'routed', event, destinations: this.route(event) };
  }

  private route(event: EventObject): Set<string> {
    if (this.routes.length === 0) return this.everyDestination;
    const out = new Set<string>();
    for (const r of this.routes) {
      if (!r.matches(event)) continue;
      for (const name of r.to) out.add(name);
      if (r.final) break;
    }
    if (out.size === 0 && this.unmatched) out.add(UNMATCHED_DESTINATION);
    return out;
  }
}

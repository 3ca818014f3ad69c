// Modules report their own health here (database, log, consumer lag, ...), so
// /health knows nothing about them and a new module adds a check without touching
// observability/. A check answers up or down with a few facts; the health
// controller bounds how long it may take.

import { Injectable } from '@nestjs/common';

export type HealthStatus = 'up' | 'down';

export interface HealthOutcome {
  status: HealthStatus;
  /** Small facts shown under the check's name (lag, pool size, error message). No `status` key. */
  details?: Record<string, unknown>;
}

export interface HealthContributor {
  /** Key in the /health body, e.g. 'database', 'log', 'consumer_lag'. */
  name: string;
  check: () => Promise<HealthOutcome>;
}

/** Checks run in parallel on every probe; more than this is a sign of a per-entity check that should be aggregated. */
export const HEALTH_CONTRIBUTORS_MAX = 32;

@Injectable()
export class HealthContributors {
  private readonly contributors = new Map<string, HealthContributor>();

  /** Returns a function that removes the check again (for modules that come and go). */
  register(contributor: HealthContributor): () => void {
    if (contributor.name.length === 0) throw new Error('a health check needs a name');
    if (this.contributors.has(contributor.name)) throw new Error(`health check '${contributor.name}' is already registered`);
    if (this.contributors.size >= HEALTH_CONTRIBUTORS_MAX) throw new Error(`at most ${HEALTH_CONTRIBUTORS_MAX} health checks`);
    this.contributors.set(contributor.name, contributor);
    return () => {
      if (this.contributors.get(contributor.name) === contributor) this.contributors.delete(contributor.name);
    };
  }

  list(): HealthContributor[] {
    return [...this.contributors.values()];
  }
}

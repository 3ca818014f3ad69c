// The database's /health check: a round trip through the pool. (Terminus's own
// TypeOrmHealthIndicator needs @nestjs/typeorm, which Intake does not use.)

import { DataSource } from 'typeorm';
import type { HealthContributor } from '../observability/health-contributors';

export function databaseHealthCheck(dataSource: DataSource): HealthContributor {
  return {
    name: 'database',
    check: async () => {
      if (!dataSource.isInitialized) return { status: 'down', details: { message: 'not connected' } };
      const started = performance.now();
      try {
        await dataSource.query('SELECT 1');
        return { status: 'up', details: { latency_ms: Math.round((performance.now() - started) * 10) / 10 } };
      } catch (err) {
        return { status: 'down', details: { message: err instanceof Error ? err.message : String(err) } };
      }
    },
  };
}

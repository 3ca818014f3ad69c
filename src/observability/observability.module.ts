// Metrics and health for the whole app. Global, so any module can inject
// MetricsService to add its metrics and HealthContributors to add its checks.

import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthContributors } from './health-contributors';
import { HealthController } from './health.controller';
import { HttpMetricsHook } from './http-metrics.hook';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics';
import { OpsMetrics } from './ops-metrics';

@Global()
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'pretty' })],
  controllers: [MetricsController, HealthController],
  providers: [MetricsService, HealthContributors, HttpMetricsHook, OpsMetrics],
  exports: [MetricsService, HealthContributors],
})
export class ObservabilityModule {}

import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsService } from '../observability/metrics';
import { SinkDefinitionCache } from './sink-definition.cache';
import { SinkErrorsService } from './sink-errors.service';
import { SinkMetricsAggregator } from './sink-metrics';
import { SinkTablesRepository } from './sink-tables.repository';
import { SinkRegistry } from './sink.registry';
import { SinksController } from './sinks.controller';
import { SinksService } from './sinks.service';
import { TablesController } from './tables.controller';
import { TablesService } from './tables.service';

/** Seed 002: tables, sinks, the ingest endpoint, the sink materializers, errors and metrics. */
@Module({
  controllers: [TablesController, SinksController],
  providers: [
    { provide: SinkTablesRepository, inject: [DataSource], useFactory: (ds: DataSource) => new SinkTablesRepository(ds) },
    { provide: SinkMetricsAggregator, inject: [DataSource, MetricsService], useFactory: (ds: DataSource, m: MetricsService) => new SinkMetricsAggregator(ds, m) },
    SinkDefinitionCache,
    SinkRegistry,
    TablesService,
    SinksService,
    SinkErrorsService,
  ],
})
export class SinksModule {}

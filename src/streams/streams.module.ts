import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CollectionsModule } from '../collections/collections.module';
import { MetricsService } from '../observability/metrics';
import { StreamInsightsService } from './stream-insights.service';
import { StreamMetrics } from './stream-metrics';
import { StreamRegistry } from './stream.registry';
import { StreamsController } from './streams.controller';
import { StreamsRepository } from './streams.repository';
import { StreamsService } from './streams.service';

/** Seed 003: streams, their ingest endpoint, the per-destination workers, metrics and errors. */
@Module({
  imports: [CollectionsModule],
  controllers: [StreamsController],
  providers: [
    { provide: StreamsRepository, inject: [DataSource], useFactory: (ds: DataSource) => new StreamsRepository(ds) },
    { provide: StreamMetrics, inject: [DataSource, MetricsService], useFactory: (ds: DataSource, m: MetricsService) => new StreamMetrics(ds, m) },
    StreamRegistry,
    StreamsService,
    StreamInsightsService,
  ],
})
export class StreamsModule {}

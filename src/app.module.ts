import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { APP_FILTER } from '@nestjs/core';
import { ApiDocsModule } from './api-docs/api-docs.module';
import { CollectionsModule } from './collections/collections.module';
import { ConsoleModule } from './console/console.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { IndexSessionsModule } from './index-sessions/index-sessions.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { SinksModule } from './sinks/sinks.module';
import { StreamsModule } from './streams/streams.module';
import { TasksModule } from './tasks/tasks.module';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { LogModule } from './log/log.module';
import type { LogClientOptions } from './log/log-client';
import { ObservabilityModule } from './observability/observability.module';

export interface AppWiring {
  config: AppConfig;
  /** Resolved by bootstrap: external KAFKA_BROKERS or the embedded broker's address. */
  brokers: string[];
  /** Resolved by bootstrap: DATABASE_URL or the embedded Postgres URL. */
  databaseUrl: string;
  /** Resolved by bootstrap: the embedded broker's internal SASL credential, when it runs one. */
  brokerCredential?: { username: string; password: string };
  /** Resolved by bootstrap: the embedded broker's log end offsets, read in process (see LogClientOptions). */
  localEndOffsets?: LogClientOptions['localEndOffsets'];
}

@Module({})
export class AppModule {
  static forRoot(wiring: AppWiring): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(wiring.config),
        ObservabilityModule,
        DatabaseModule.forRoot(wiring.databaseUrl),
        LogModule.forRoot({ brokers: wiring.brokers, clientId: `intake-${wiring.config.nodeId}`, sasl: wiring.brokerCredential, localEndOffsets: wiring.localEndOffsets }),
        CollectionsModule,
        IndexSessionsModule,
        SinksModule,
        StreamsModule,
        TasksModule,
        IdempotencyModule,
        ApiDocsModule,
        ConsoleModule,
        AuthModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}

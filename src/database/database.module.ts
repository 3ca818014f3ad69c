// Postgres for the whole app: one TypeORM DataSource, connected and migrated
// before any module that uses it initialises, destroyed after every module has
// stopped. The URL is resolved by bootstrap (DATABASE_URL or the embedded
// Postgres) and passed in, so this module never decides where the database is.

import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HealthContributors } from '../observability/health-contributors';
import { CollectionsRepository } from './collections.repository';
import { databaseHealthCheck } from './database.health';
import { createDataSourceOptions, runMigrations } from './data-source';
import { IngestErrorsRepository } from './ingest-errors.repository';
import { IndexSessionsRepository } from './index-sessions.repository';

@Injectable()
class DatabaseLifecycle implements OnModuleInit, OnApplicationShutdown {
  private unregisterHealth: (() => void) | null = null;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Optional() @Inject(HealthContributors) private readonly health?: HealthContributors,
  ) {}

  onModuleInit(): void {
    this.unregisterHealth = this.health?.register(databaseHealthCheck(this.dataSource)) ?? null;
  }

  // onApplicationShutdown runs after every module's onModuleDestroy and
  // beforeApplicationShutdown, so consumers that stop there can still commit.
  async onApplicationShutdown(): Promise<void> {
    this.unregisterHealth?.();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DataSource,
          // A factory provider is awaited before anything that injects it is built,
          // so every repository sees a connected, migrated database.
          useFactory: async () => {
            const dataSource = new DataSource(createDataSourceOptions(url));
            await dataSource.initialize();
            try {
              const applied = await runMigrations(dataSource);
              if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
            } catch (err) {
              await dataSource.destroy().catch(() => undefined);
              throw err;
            }
            return dataSource;
          },
        },
        { provide: IngestErrorsRepository, inject: [DataSource], useFactory: (ds: DataSource) => new IngestErrorsRepository(ds) },
        { provide: CollectionsRepository, inject: [DataSource], useFactory: (ds: DataSource) => new CollectionsRepository(ds) },
        { provide: IndexSessionsRepository, inject: [DataSource], useFactory: (ds: DataSource) => new IndexSessionsRepository(ds) },
        DatabaseLifecycle,
      ],
      exports: [DataSource, IngestErrorsRepository, CollectionsRepository, IndexSessionsRepository],
    };
  }
}

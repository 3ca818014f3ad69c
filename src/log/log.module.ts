import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { LogClient, LogClientOptions } from './log-client';
import { APPEND_QUEUE_BYTES_MAX } from './appender';
import { HealthContributors } from '../observability/health-contributors';
import { MetricsService } from '../observability/metrics';

const LOG_OPTIONS = Symbol('LOG_OPTIONS');

/** Connects the LogClient at start and closes it last, after the consumers that use it. */
@Injectable()
class LogLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(LogClient) private readonly log: LogClient,
    private readonly health: HealthContributors,
    private readonly metrics: MetricsService,
  ) {}
  async onModuleInit(): Promise<void> {
    await this.log.connect();
    this.health.register({
      name: 'log',
      check: async () => ({ status: 'up', details: { brokers: (await this.log.ping()).join(',') } }),
    });
    this.metrics.registerQueue({
      name: 'intake_log_append_queue_bytes',
      help: 'Bytes of records waiting for the next produce request',
      limit: APPEND_QUEUE_BYTES_MAX,
      depth: () => this.log.queuedAppendBytes,
    });
  }
  async onApplicationShutdown(): Promise<void> {
    await this.log.close();
  }
}

@Global()
@Module({})
export class LogModule {
  static forRoot(options: LogClientOptions): DynamicModule {
    return {
      module: LogModule,
      providers: [
        { provide: LOG_OPTIONS, useValue: options },
        { provide: LogClient, inject: [LOG_OPTIONS], useFactory: (o: typeof options) => new LogClient(o) },
        LogLifecycle,
      ],
      exports: [LogClient],
    };
  }
}

import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { LogClient } from './log-client';

const LOG_OPTIONS = Symbol('LOG_OPTIONS');

/** Connects the LogClient at start and closes it last, after the consumers that use it. */
@Injectable()
class LogLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(LogClient) private readonly log: LogClient) {}
  async onModuleInit(): Promise<void> {
    await this.log.connect();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.log.close();
  }
}

@Global()
@Module({})
export class LogModule {
  static forRoot(options: { brokers: string[]; clientId: string }): DynamicModule {
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

// Starts Intake in either run mode. Standalone (nothing configured): the embedded
// broker and embedded Postgres are started first, under the data dir, and stopped
// after the app. Cluster (KAFKA_BROKERS / DATABASE_URL): nothing is embedded.
// The embedded broker checks SASL/PLAIN passwords against Intake tokens once the app
// exists (src/auth/broker-access.ts); before that only this process's own client passes.

import 'reflect-metadata';
import * as path from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, AppWiring } from './app.module';
import { BrokerAccess, BrokerCredential } from './auth/broker-access';
import { accessRules, installAccessControl } from './auth/access-control';
import { controllersOf } from './api-docs/openapi-document';
import { TokensService } from './auth/tokens.service';
import { RunningBroker, startBroker } from './broker';
import { AppConfig } from './config/config';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { trackHttpConnections } from './http-shutdown';
import { ROUTE_PARAM_CHARS_MAX, answerFrameworkError, configureHttpEdge } from './common/http-edge';
import { PinoNestLogger, createLogger, fastifyLoggingOptions, installRequestLogging } from './observability/logging';
import type { DestinationStream } from 'pino';

/** Fastify's body limit: a 10,000 × 128-d JSON upsert is ~15 MB. */
export const HTTP_BODY_BYTES_MAX = 64 * 1024 * 1024;

export interface RunningIntake {
  app: NestFastifyApplication;
  url: string;
  brokers: string[];
  databaseUrl: string;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where the JSON log lines go (default: stdout, human-readable on a terminal); tests capture them here. */
  logDestination?: DestinationStream;
}

export async function startIntake(config: AppConfig, options: StartOptions = {}): Promise<RunningIntake> {
  // One pino logger for Fastify (request lines carry the request id) and, through the adapter, Nest's Logger.
  const pinoLogger = createLogger(config.logLevel, options.logDestination);
  const nestLogger = new PinoNestLogger(pinoLogger);
  const logger = {
    log: (m: string) => nestLogger.log(m, 'Intake'),
    warn: (m: string) => nestLogger.warn(m, 'Intake'),
    error: (err: unknown) => nestLogger.error(err, 'Intake'),
  };
  const stops: (() => Promise<void>)[] = [];
  // Once, in reverse start order (app, then Postgres, then the broker), however often it is called.
  let stopped: Promise<void> | null = null;
  const stopAll = () =>
    (stopped ??= (async () => {
      for (const stop of [...stops].reverse()) await stop().catch((err) => logger.error(err));
    })());
  try {
    let brokers = config.kafkaBrokers;
    let brokerAccess: BrokerAccess | null = null;
    let brokerCredential: BrokerCredential | undefined;
    let localEndOffsets: AppWiring['localEndOffsets'];
    if (brokers.length === 0) {
      brokerAccess = new BrokerAccess(config.brokerSasl === 'required');
      brokerCredential = brokerAccess.internalCredential;
      const broker: RunningBroker = await startBroker(
        {
          dataDir: path.join(config.dataDir, 'log'),
          port: config.brokerPort,
          host: config.brokerHost,
          advertisedHost: config.brokerAdvertisedHost,
          sasl: brokerAccess.sasl,
        },
        { info: (m) => logger.log(m), warn: (m) => logger.warn(m) },
      );
      stops.push(() => broker.stop());
      brokers = [broker.address];
      localEndOffsets = (topic) => {
        const partitions = broker.cluster.topics.get(topic)?.partitions;
        return partitions ? new Map(partitions.map((log, p) => [p, log.logEndOffset])) : null;
      };
      logger.log(`embedded broker on ${broker.address} (SASL/PLAIN with Intake tokens ${config.brokerSasl})`);
    }
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === null) {
      const pg = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, 'pg'), port: config.embeddedPgPort });
      stops.push(() => pg.stop());
      databaseUrl = pg.url;
      logger.log('embedded Postgres started');
    }
    const root = AppModule.forRoot({ config, brokers, databaseUrl, brokerCredential, localEndOffsets });
    const app = await NestFactory.create<NestFastifyApplication>(
      root,
      new FastifyAdapter({
        ...fastifyLoggingOptions(pinoLogger),
        bodyLimit: HTTP_BODY_BYTES_MAX,
        routerOptions: { maxParamLength: ROUTE_PARAM_CHARS_MAX },
        frameworkErrors: answerFrameworkError,
      }),
      // Body parsers are Intake's own (src/common/http-edge.ts), not Nest's defaults.
      { logger: nestLogger, bodyParser: false },
    );
    brokerAccess?.bind(app.get(TokensService));
    const connections = trackHttpConnections(app.getHttpServer());
    stops.push(async () => {
      connections.beginClose();
      await app.close();
    });
    configureHttpEdge(app.getHttpAdapter().getInstance());
    // First of the request hooks: the id is in the response header even when access control refuses.
    installRequestLogging(app.getHttpAdapter().getInstance());
    // Before Nest registers its routes, so the hooks cover every one of them.
    installAccessControl(app.getHttpAdapter().getInstance(), accessRules(controllersOf(root)), app.get(TokensService), config);
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${config.host}:${port}`;
    return { app, url, brokers, databaseUrl, close: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

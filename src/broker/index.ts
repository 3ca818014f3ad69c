// The embedded broker's public surface: start it in-process, get its address, stop it.
// Nothing here (or anywhere under src/broker) imports from the application.

import { API_HANDLERS } from './apis';
import { Cluster } from './cluster';
import { BrokerOptions, resolveBrokerOptions } from './config';
import { BrokerLogger, BrokerServer } from './server';

export { BROKER_DEFAULTS } from './config';
export type { BrokerOptions } from './config';
export type { BrokerLogger } from './server';
export type { BrokerSasl, Principal } from './sasl';
export { isLoopbackHost } from './sasl';
export { scramCredential } from './sasl-scram';
export type { ScramCredential, ScramMechanism } from './sasl-scram';

export interface RunningBroker {
  host: string;
  port: number;
  /** `host:port`, ready for kafkajs `brokers: [...]` or kcat `-b`. */
  address: string;
  cluster: Cluster;
  stop(): Promise<void>;
}

const consoleLogger: BrokerLogger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
};

export async function startBroker(
  options: Partial<BrokerOptions> & { dataDir: string },
  logger: BrokerLogger = consoleLogger,
): Promise<RunningBroker> {
  const resolved = resolveBrokerOptions(options);
  const cluster = new Cluster(resolved);
  let server: BrokerServer | null = null;
  try {
    server = new BrokerServer(
      resolved,
      API_HANDLERS,
      (connectionId, clientHost) => ({
        connectionId,
        clientHost,
        cluster,
        supportedVersions: () => (server as BrokerServer).supportedVersions(),
      }),
      logger,
    );
    const port = await server.listen();
    cluster.advertisedPort = resolved.advertisedPort ?? port;
    const host = cluster.advertisedHost;
    let stopped = false;
    const running: RunningBroker = {
      host,
      port,
      address: `${host}:${port}`,
      cluster,
      async stop() {
        if (stopped) return;
        stopped = true;
        cluster.close();
        await (server as BrokerServer).close();
      },
    };
    return running;
  } catch (err) {
    cluster.close();
    throw err;
  }
}

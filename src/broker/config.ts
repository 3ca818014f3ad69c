// Every limit of the embedded broker, with its unit last and Apache Kafka's name
// for the same knob beside it, so an operator who knows Kafka knows what to set.

import { BrokerSasl, isLoopbackHost } from './sasl';

export interface BrokerOptions {
  /** Directory holding topic partitions, committed offsets and metadata. */
  dataDir: string;
  /** TCP port; 0 picks an ephemeral one (tests). */
  port: number;
  /** Address to bind. Anything but a loopback address requires `sasl.required`. */
  host: string;
  /** Broker id advertised in Metadata (Kafka `node.id`). */
  nodeId: number;
  /** Host advertised to clients; defaults to `host`. */
  advertisedHost?: string;
  /**
   * Port advertised to clients (Metadata, FindCoordinator); defaults to the port listened on.
   * For a broker behind a forwarding proxy (e.g. a TLS terminator), as Kafka's advertised.listeners.
   */
  advertisedPort?: number;

  /** Kafka `message.max.bytes`: the largest record batch a Produce may carry. */
  batchBytesMax: number;
  /**
   * SASL/PLAIN (sasl.ts). Unset: no SASL, every connection has full access (loopback only).
   * `required: false`: clients may authenticate (and are then limited by their principal).
   */
  sasl?: BrokerSasl;
  /** Kafka `sasl.server.max.receive.size`: the largest frame read before a connection has authenticated. */
  saslReceiveBytesMax: number;

  /** Kafka `socket.request.max.bytes`: the largest request frame. */
  requestBytesMax: number;
  /** Kafka `max.connections`. */
  connectionsMax: number;
  /** Requests read ahead of their responses on one connection before the socket is paused. */
  inFlightRequestsPerConnectionMax: number;
  /** Kafka `fetch.max.bytes` ceiling for one Fetch response. */
  fetchResponseBytesMax: number;

  /** Kafka `auto.create.topics.enable`. */
  autoCreateTopics: boolean;
  /** Kafka `num.partitions`: partitions of an auto-created topic. */
  defaultPartitions: number;
  /** Kafka `log.segment.bytes`. */
  segmentBytesMax: number;
  /** Kafka `log.index.interval.bytes`. */
  indexIntervalBytes: number;
  /** Kafka `log.retention.ms` (-1 = forever). */
  retentionMs: number;
  /** Kafka `log.retention.bytes` per partition (-1 = unbounded). */
  retentionBytes: number;
  /** Kafka `log.retention.check.interval.ms`. */
  retentionCheckIntervalMs: number;

  /** Kafka `group.min.session.timeout.ms` / `group.max.session.timeout.ms`. */
  sessionTimeoutMsMin: number;
  sessionTimeoutMsMax: number;
  /** Kafka `group.initial.rebalance.delay.ms` (Kafka's default is 3000; a laptop log wants snappier starts). */
  initialRebalanceDelayMs: number;
  /** Kafka `group.max.size`. */
  groupMaxSize: number;
}

export const BROKER_DEFAULTS: Omit<BrokerOptions, 'dataDir'> = {
  port: 9092,
  host: '127.0.0.1',
  nodeId: 0,
  batchBytesMax: 1024 * 1024,
  requestBytesMax: 100 * 1024 * 1024,
  saslReceiveBytesMax: 512 * 1024,
  connectionsMax: 1024,
  inFlightRequestsPerConnectionMax: 64,
  fetchResponseBytesMax: 50 * 1024 * 1024,
  autoCreateTopics: true,
  defaultPartitions: 1,
  segmentBytesMax: 128 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  retentionCheckIntervalMs: 60_000,
  sessionTimeoutMsMin: 1_000,
  sessionTimeoutMsMax: 30 * 60 * 1000,
  initialRebalanceDelayMs: 100,
  groupMaxSize: 1000,
};

export function resolveBrokerOptions(partial: Partial<BrokerOptions> & { dataDir: string }): BrokerOptions {
  const options = { ...BROKER_DEFAULTS, ...partial };
  for (const [name, value] of Object.entries(options)) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new Error(`broker option ${name} must be a finite number, got ${value}`);
    }
  }
  if (options.batchBytesMax > options.requestBytesMax) {
    throw new Error('broker option batchBytesMax must not exceed requestBytesMax');
  }
  if (!isLoopbackHost(options.host) && !options.sasl?.required) {
    throw new Error(
      `broker host '${options.host}' is not a loopback address: binding to it requires SASL (sasl.required = true), ` +
        'so that no client reaches the log without authenticating',
    );
  }
  return options;
}

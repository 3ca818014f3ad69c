// The one reader of process.env. Every variable is parsed and validated here once;
// the rest of the app receives a typed, frozen AppConfig. Defaults give the
// standalone mode (embedded broker + embedded Postgres under ./data).

import * as path from 'node:path';
import { isLoopbackHost } from '../broker';
import { NAME_PATTERN, NAME_RULE } from '../common/identifiers';

export interface AppConfig {
  /** HTTP API. */
  port: number;
  host: string;
  /** Everything on disk: log/, pg/, indexes/. */
  dataDir: string;
  /** Embedded broker port (0 = ephemeral); ignored when kafkaBrokers is set. */
  brokerPort: number;
  /** Address the embedded broker binds (INTAKE_BROKER_HOST); not loopback → SASL required. */
  brokerHost: string;
  /** Host the embedded broker tells clients to connect to (Metadata); defaults to brokerHost. */
  brokerAdvertisedHost: string;
  /** SASL/PLAIN with Intake tokens on the embedded broker: required, or optional (loopback only). */
  brokerSasl: 'required' | 'optional';
  /** External Kafka bootstrap servers; empty = start the embedded broker. */
  kafkaBrokers: string[];
  /** External Postgres URL; null = start the embedded Postgres. */
  databaseUrl: string | null;
  /** Embedded Postgres port (0 = pick a free one). */
  embeddedPgPort: number;
  /** Admin bearer token; null = generate at first start, print once, store its hash. */
  adminToken: string | null;
  /** Revoke the stored admin token at start and print a new one (INTAKE_ROTATE_ADMIN_TOKEN=1). */
  rotateAdminToken: boolean;
  /** false only with INTAKE_AUTH=off, for local benchmarks; refused unless HOST is loopback. */
  authEnabled: boolean;
  /** Per-token defaults when a token sets no rate_limit of its own. */
  rateLimit: { requestsPerSecond: number; bytesPerSecond: number };
  /** Identifies this node in consumer-group ids, so each node materializes what it serves. */
  nodeId: string;
  /** Text embedder: 'hashing' (default, no model) or an OpenAI-compatible endpoint. */
  embedder: { kind: 'hashing' } | { kind: 'openai'; url: string; model: string; apiKey: string | null };
  /** A streaming write waits this long for the index to apply it before answering 503. */
  applyTimeoutMs: number;
  /** /finalize waits this long for the build before answering 503; the build and the session's close go on. */
  finalizeTimeoutMs: number;
  /** Collection shard checkpoints: every N applied records or T ms, whichever first. */
  checkpointEveryRecords: number;
  checkpointEveryMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** POST /v2/sinks/{id}: records per request (400 beyond) and body bytes (413 beyond). */
  sinkLimits: { recordsPerRequestMax: number; requestBytesMax: number };
  /** Upsertion tasks (seed 004): request limits, the worker's batch, and the two collections tasks fill. */
  tasks: TasksConfig;
}

export interface TasksConfig {
  /** Items per task (400 naming `items` beyond) and body bytes per run request (413 beyond). */
  itemsPerTaskMax: number;
  requestBytesMax: number;
  /** Items embedded and upserted together; the worker checks for a cancel between batches. */
  batchItems: number;
  /** Partitions of `intake.tasks`: how many tasks run at once across the cluster. Fixed when the topic is created. */
  partitions: number;
  /** `{field}` placeholders over top-level payload fields; null = the payload's `text` field. */
  textTemplate: string | null;
  /** The collections /run and /categories/run fill; created at start if missing (metric cosine, the app's embedder). */
  defaultCollection: { name: string; dimension: number };
  categoriesCollection: { name: string; dimension: number };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got '${raw}'`);
  }
  return n;
}

export function loadConfig(env: Env = process.env): AppConfig {
  const embedderUrl = str(env, 'INTAKE_EMBEDDER_URL');
  const logLevel = (str(env, 'INTAKE_LOG_LEVEL') ?? 'info') as AppConfig['logLevel'];
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) {
    throw new ConfigError(`INTAKE_LOG_LEVEL must be one of debug, info, warn, error; got '${logLevel}'`);
  }
  const databaseUrl = str(env, 'DATABASE_URL') ?? null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must be a postgres:// URL, got '${databaseUrl}'`);
  }
  const kafkaBrokers = (str(env, 'KAFKA_BROKERS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const b of kafkaBrokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(b)) throw new ConfigError(`KAFKA_BROKERS entries must be host:port, got '${b}'`);
  }
  const brokerHost = str(env, 'INTAKE_BROKER_HOST') ?? '127.0.0.1';
  const brokerSasl = (str(env, 'INTAKE_BROKER_SASL') ?? (isLoopbackHost(brokerHost) ? 'optional' : 'required')) as AppConfig['brokerSasl'];
  if (brokerSasl !== 'required' && brokerSasl !== 'optional') {
    throw new ConfigError(`INTAKE_BROKER_SASL must be 'required' or 'optional', got '${brokerSasl}'`);
  }
  if (brokerSasl === 'optional' && !isLoopbackHost(brokerHost)) {
    throw new ConfigError(`INTAKE_BROKER_SASL=optional is only allowed when INTAKE_BROKER_HOST is a loopback address, got '${brokerHost}'`);
  }
  const config: AppConfig = {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: str(env, 'HOST') ?? '127.0.0.1',
    dataDir: path.resolve(str(env, 'INTAKE_DATA_DIR') ?? './data'),
    brokerPort: int(env, 'INTAKE_BROKER_PORT', 9092, 0, 65535),
    brokerHost,
    brokerAdvertisedHost: str(env, 'INTAKE_BROKER_ADVERTISED_HOST') ?? brokerHost,
    brokerSasl,
    kafkaBrokers,
    databaseUrl,
    embeddedPgPort: int(env, 'INTAKE_PG_PORT', 5433, 0, 65535),
    adminToken: str(env, 'INTAKE_ADMIN_TOKEN') ?? null,
    rotateAdminToken: ['1', 'true', 'yes'].includes((str(env, 'INTAKE_ROTATE_ADMIN_TOKEN') ?? '').toLowerCase()),
    authEnabled: (str(env, 'INTAKE_AUTH') ?? 'on') !== 'off',
    rateLimit: {
      requestsPerSecond: int(env, 'INTAKE_RATE_LIMIT_REQUESTS_PER_SECOND', 10_000, 1, 10_000_000),
      bytesPerSecond: int(env, 'INTAKE_RATE_LIMIT_BYTES_PER_SECOND', 256 * 1024 * 1024, 1024, 2 ** 40),
    },
    nodeId: str(env, 'INTAKE_NODE_ID') ?? 'node-0',
    embedder: embedderUrl
      ? { kind: 'openai', url: embedderUrl, model: str(env, 'INTAKE_EMBEDDER_MODEL') ?? 'text-embedding-3-small', apiKey: str(env, 'INTAKE_EMBEDDER_API_KEY') ?? null }
      : { kind: 'hashing' },
    applyTimeoutMs: int(env, 'INTAKE_APPLY_TIMEOUT_MS', 10_000, 1, 600_000),
    finalizeTimeoutMs: int(env, 'INTAKE_FINALIZE_TIMEOUT_MS', 30 * 60_000, 1, 24 * 3_600_000),
    checkpointEveryRecords: int(env, 'INTAKE_CHECKPOINT_EVERY_RECORDS', 50_000, 1, 100_000_000),
    checkpointEveryMs: int(env, 'INTAKE_CHECKPOINT_EVERY_MS', 30_000, 100, 86_400_000),
    logLevel,
    sinkLimits: {
      recordsPerRequestMax: int(env, 'INTAKE_SINK_RECORDS_PER_REQUEST_MAX', 10_000, 1, 1_000_000),
      requestBytesMax: int(env, 'INTAKE_SINK_REQUEST_BYTES_MAX', 10 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    },
    tasks: {
      itemsPerTaskMax: int(env, 'INTAKE_TASK_ITEMS_MAX', 10_000, 1, 1_000_000),
      requestBytesMax: int(env, 'INTAKE_TASK_REQUEST_BYTES_MAX', 32 * 1024 * 1024, 1024, 64 * 1024 * 1024),
      batchItems: int(env, 'INTAKE_TASK_BATCH_ITEMS', 256, 1, 10_000),
      partitions: int(env, 'INTAKE_TASK_PARTITIONS', 4, 1, 64),
      textTemplate: str(env, 'INTAKE_TASK_TEXT_TEMPLATE') ?? null,
      defaultCollection: {
        name: str(env, 'INTAKE_DEFAULT_COLLECTION') ?? 'default',
        dimension: int(env, 'INTAKE_DEFAULT_COLLECTION_DIMENSION', 384, 1, 4096),
      },
      categoriesCollection: {
        name: str(env, 'INTAKE_CATEGORIES_COLLECTION') ?? 'categories',
        dimension: int(env, 'INTAKE_CATEGORIES_COLLECTION_DIMENSION', 384, 1, 4096),
      },
    },
  };
  const auth = str(env, 'INTAKE_AUTH');
  if (auth !== undefined && auth !== 'on' && auth !== 'off') throw new ConfigError(`INTAKE_AUTH must be 'on' or 'off', got '${auth}'`);
  if (!config.authEnabled && !isLoopbackHost(config.host)) {
    throw new ConfigError(`INTAKE_AUTH=off is only allowed when HOST is a loopback address, got '${config.host}'`);
  }
  if (config.adminToken !== null && !/^[\x21-\x7e]{32,256}$/.test(config.adminToken)) {
    throw new ConfigError('INTAKE_ADMIN_TOKEN must be 32–256 printable ASCII characters without spaces');
  }
  for (const [name, c] of [['INTAKE_DEFAULT_COLLECTION', config.tasks.defaultCollection], ['INTAKE_CATEGORIES_COLLECTION', config.tasks.categoriesCollection]] as const) {
    if (!NAME_PATTERN.test(c.name)) throw new ConfigError(`${name} ${NAME_RULE}, got '${c.name}'`);
  }
  if (config.tasks.defaultCollection.name === config.tasks.categoriesCollection.name) {
    throw new ConfigError('INTAKE_DEFAULT_COLLECTION and INTAKE_CATEGORIES_COLLECTION must name two different collections');
  }
  if (!/^[a-zA-Z0-9._-]{1,64}$/.test(config.nodeId)) throw new ConfigError(`INTAKE_NODE_ID must match [a-zA-Z0-9._-]{1,64}`);
  return Object.freeze(config);
}

/** Nest injection token for the AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

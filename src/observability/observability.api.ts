// The documentation of /health and /metrics (they take no input).
import { ApiRouteDoc, md } from '../common/api-route';

export const ObservabilityApi = {
  health: {
    operationId: 'health',
    summary: 'Health of this node',
    description: md(
      'Runs every registered check in parallel (each must answer within 3 s):',
      '`log` (a metadata round trip to Kafka, listing the brokers), `database`',
      '(`SELECT 1`, with its latency) and `consumer_lag` (records the collection',
      'materializers have not applied yet, in total and per collection; down above',
      '1,000,000). 200 when all are up, 503 with the same body shape when any is down.',
      'Unauthenticated.',
    ),
    tags: ['operations'],
    responses: {
      '200': {
        description: 'All checks are up.',
        content: {
          'application/json': {
            schema: { $ref: '#/components/schemas/HealthResult' },
            example: {
              status: 'ok',
              info: {
                database: { status: 'up', latency_ms: 0.8 },
                log: { status: 'up', brokers: 'kafka:9092' },
                consumer_lag: { status: 'up', records: '0', collections: { docs: '0' } },
              },
              error: {},
              details: {
                database: { status: 'up', latency_ms: 0.8 },
                log: { status: 'up', brokers: 'kafka:9092' },
                consumer_lag: { status: 'up', records: '0', collections: { docs: '0' } },
              },
            },
          },
        },
      },
      '503': {
        description: 'At least one check is down (`status` = `error`), or the node is shutting down.',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/HealthResult' } } },
      },
    },
  },
  metrics: {
    operationId: 'metrics',
    summary: 'Prometheus metrics of this node',
    description: md(
      'The Prometheus text exposition: `intake_http_requests_total` and',
      '`intake_http_request_duration_seconds` {method, route, status}, per surface',
      'the records accepted, refused and applied, `intake_ingest_errors_total`',
      '{surface, reason}, `intake_consumer_lag_messages` {surface}, index sizes',
      '(`intake_collection_vectors` {collection}), queue depths beside their limits,',
      "data-dir disk space, and prom-client's default Node.js process metrics. Every",
      'metric is described in docs/metrics.md. Unauthenticated.',
    ),
    tags: ['operations'],
    responses: {
      '200': {
        description: 'The exposition.',
        content: {
          'text/plain': {
            schema: { type: 'string' },
            example: md(
              '# HELP intake_collection_vectors Live (not deleted) vectors in a collection on this node',
              '# TYPE intake_collection_vectors gauge',
              'intake_collection_vectors{collection="docs"} 1000',
            ),
          },
        },
      },
    },
  },

} satisfies Record<string, ApiRouteDoc>;

// How far each sink's rows are behind its topic, for /health: the shared
// materializerLag (log end minus the offsets stored with the rows). Sinks are shared
// mode, so this is the cluster's lag and every node reports the same figures. It
// counts log messages: a batch message from one request holds several records
// (sink-topic-format.ts).

import type { DataSource } from 'typeorm';
import type { HealthOutcome } from '../observability/health-contributors';
import type { LogClient } from '../log/log-client';
import { Topics } from '../log/topics';
import { materializerLag } from '../materialize/materializer-lag';

/** Sinks named in the details, the most behind first; the total counts them all. */
export const SINK_LAG_LISTED_MAX = 50;

export async function sinkLagHealth(dataSource: DataSource, log: LogClient, sinkIds: string[], materializerName: (id: string) => string): Promise<HealthOutcome> {
  const { total, lags } = await materializerLag(
    dataSource,
    log,
    sinkIds.map((id) => ({ key: id, materializer: materializerName(id), topic: Topics.sink(id) })),
  );
  // Up whatever the figure: a shared lag is no one node's fault, and a 503 from every
  // node at once would take the whole cluster out of its load balancer.
  return { status: 'up', details: { messages: total.toString(), sinks: Object.fromEntries(lags.slice(0, SINK_LAG_LISTED_MAX).map(([id, lag]) => [id, lag.toString()])) } };
}

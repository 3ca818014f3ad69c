// How far each sink's rows are behind its topic, for /health: the log end of every
// partition minus the next offset stored with the rows (materializer_offsets). Sinks
// are shared mode, so this is the cluster's lag whichever node holds a partition,
// and every node reports the same figures. It counts log messages: a batch message
// from one request holds several records (sink-topic-format.ts).

import type { DataSource } from 'typeorm';
import type { HealthOutcome } from '../observability/health-contributors';
import type { LogClient } from '../log/log-client';
import { Topics } from '../log/topics';

/** Sinks named in the details, the most behind first; the total counts them all. */
export const SINK_LAG_LISTED_MAX = 50;

export async function sinkLagHealth(dataSource: DataSource, log: LogClient, sinkIds: string[], materializerName: (id: string) => string): Promise<HealthOutcome> {
  if (sinkIds.length === 0) return { status: 'up', details: { messages: '0', sinks: {} } };
  const rows: { materializer: string; partition: number; next_offset: string }[] = await dataSource.query(
    `SELECT materializer, partition, next_offset FROM materializer_offsets WHERE materializer = ANY($1::text[])`,
    [sinkIds.map(materializerName)],
  );
  const stored = new Map<string, bigint>();
  for (const r of rows) stored.set(`${r.materializer}/${r.partition}`, BigInt(r.next_offset));
  const lags = await Promise.all(
    sinkIds.map(async (id) => {
      const ends = await log.endOffsets(Topics.sink(id));
      let lag = 0n;
      for (const [partition, end] of ends) {
        const next = stored.get(`${materializerName(id)}/${partition}`) ?? 0n;
        if (end > next) lag += end - next;
      }
      return [id, lag] as const;
    }),
  );
  const total = lags.reduce((sum, [, lag]) => sum + lag, 0n);
  const listed = [...lags].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0)).slice(0, SINK_LAG_LISTED_MAX);
  // Up whatever the figure: a shared lag is no one node's fault, and a 503 from every
  // node at once would take the whole cluster out of its load balancer.
  return { status: 'up', details: { messages: total.toString(), sinks: Object.fromEntries(listed.map(([id, lag]) => [id, lag.toString()])) } };
}

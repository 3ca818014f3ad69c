// How far shared-mode materializers are behind their topics: the log end of every
// partition minus the next offset stored with the state (materializer_offsets).
// Shared mode splits partitions across nodes, so this is the cluster's figure and
// every node reports the same numbers. Counts log messages (a batch message holds
// several records or events).

import type { DataSource } from 'typeorm';
import type { LogClient } from '../log/log-client';

export interface LagTarget {
  /** How the figure is named in the answer (a sink id, `<stream id>/<destination>`). */
  key: string;
  materializer: string;
  topic: string;
}

/** Lag per target, the most behind first, and the total. */
export async function materializerLag(dataSource: DataSource, log: LogClient, targets: LagTarget[]): Promise<{ total: bigint; lags: [string, bigint][] }> {
  if (targets.length === 0) return { total: 0n, lags: [] };
  const rows: { materializer: string; topic: string; partition: number; next_offset: string }[] = await dataSource.query(
    `SELECT materializer, topic, partition, next_offset FROM materializer_offsets WHERE materializer = ANY($1::text[])`,
    [targets.map((t) => t.materializer)],
  );
  const stored = new Map<string, bigint>();
  for (const r of rows) stored.set(`${r.materializer}\u0000${r.topic}\u0000${r.partition}`, BigInt(r.next_offset));
  const lags = await Promise.all(
    targets.map(async (t): Promise<[string, bigint]> => {
      const ends = await log.endOffsets(t.topic);
      let lag = 0n;
      for (const [partition, end] of ends) {
        const next = stored.get(`${t.materializer}\u0000${t.topic}\u0000${partition}`) ?? 0n;
        if (end > next) lag += end - next;
      }
      return [t.key, lag];
    }),
  );
  lags.sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0));
  return { total: lags.reduce((sum, [, lag]) => sum + lag, 0n), lags };
}

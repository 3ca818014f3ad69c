// Node-level figures that no one surface owns, read at scrape time:
//   intake_data_dir_free_bytes / intake_data_dir_size_bytes   the filesystem under INTAKE_DATA_DIR
//     (checkpoints, the embedded broker's log and Postgres live there), for "disk almost full"
//   intake_consumer_lag_messages{surface}   log messages the materializers of a surface have not
//     applied yet, taken from the surface's own lag check (/health consumer_lag, sink_lag,
//     stream_lag), so the figure on /metrics and on /health is the same number
// The surface label takes only the names in LAG_CHECKS (bounded).

import * as fs from 'node:fs';
import { Inject, Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { HealthContributors } from './health-contributors';
import { MetricsService } from './metrics';

/** Health check name → the surface label, and the detail that carries its total. */
export const LAG_CHECKS: Record<string, { surface: string; detail: string }> = {
  consumer_lag: { surface: 'collections', detail: 'records' },
  sink_lag: { surface: 'sinks', detail: 'messages' },
  stream_lag: { surface: 'streams', detail: 'messages' },
};

/** A scrape must not wait on a slow lag query longer than this; the series is left out for that scrape. */
const LAG_READ_TIMEOUT_MS = 2_000;

@Injectable()
export class OpsMetrics implements OnModuleInit {
  constructor(
    // Optional: an app built from ObservabilityModule alone (a test) has no config and no data dir to watch.
    @Optional() @Inject(APP_CONFIG) private readonly config: AppConfig | null,
    private readonly metrics: MetricsService,
    private readonly contributors: HealthContributors,
  ) {}

  onModuleInit(): void {
    if (this.config) this.registerDataDir(this.config.dataDir);
    this.registerLag();
  }

  private registerDataDir(dataDir: string): void {
    const statfs = () => {
      try {
        return fs.statfsSync(dataDir);
      } catch {
        return null; // the data dir is gone or unreadable: leave the series out rather than report 0 free
      }
    };
    this.metrics.registerGauge({
      name: 'intake_data_dir_free_bytes',
      help: 'Bytes available to Intake on the filesystem holding INTAKE_DATA_DIR',
      collect() {
        const s = statfs();
        if (s) this.set(s.bavail * s.bsize);
      },
    });
    this.metrics.registerGauge({
      name: 'intake_data_dir_size_bytes',
      help: 'Total bytes of the filesystem holding INTAKE_DATA_DIR',
      collect() {
        const s = statfs();
        if (s) this.set(s.blocks * s.bsize);
      },
    });
  }

  private registerLag(): void {
    const contributors = this.contributors;
    this.metrics.registerGauge({
      name: 'intake_consumer_lag_messages',
      help: 'Log messages the materializers of a surface have not applied yet (collections: this node; sinks and streams: the cluster)',
      labelNames: ['surface'],
      async collect() {
        this.reset();
        const checks = contributors.list().filter((c) => LAG_CHECKS[c.name] !== undefined);
        await Promise.all(
          checks.map(async (c) => {
            const { surface, detail } = LAG_CHECKS[c.name];
            const total = await readTotal(c.check, detail);
            if (total !== null) this.set({ surface }, total);
          }),
        );
      },
    });
  }
}

async function readTotal(check: () => Promise<{ details?: Record<string, unknown> }>, detail: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), LAG_READ_TIMEOUT_MS)));
  try {
    const outcome = await Promise.race([check().catch(() => null), timeout]);
    const value = outcome?.details?.[detail];
    const n = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
    return Number.isFinite(n) ? n : null;
  } finally {
    clearTimeout(timer);
  }
}

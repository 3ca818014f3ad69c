// A real Prometheus server (Debian's `prometheus` package) scraping one Intake node,
// for tests that check what an operator's Prometheus computes from /metrics.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { eventually } from './broker';
import { tempDir } from './temp-dir';

export interface RunningPrometheus {
  url: string;
  /** An instant query; the result vector as [labels, value] pairs. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  /** The one value of a query that must answer exactly one series (0 when it answers none). */
  scalar(expr: string): Promise<number>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts Prometheus scraping `target` (host:port) every second; resolves once the target is up. */
export async function startPrometheus(target: string, binary = process.env.PROMETHEUS_BIN ?? 'prometheus'): Promise<RunningPrometheus> {
  const dir = tempDir('prometheus');
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      '  - job_name: intake',
      '    metrics_path: /metrics',
      '    static_configs:',
      `      - targets: ['${target}']`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const query = async (expr: string) => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`Prometheus refused ${expr}: ${body.error}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };
  const running: RunningPrometheus = {
    url,
    query,
    async scalar(expr: string) {
      const result = await query(expr);
      if (result.length > 1) throw new Error(`${expr} answered ${result.length} series`);
      return result[0]?.value ?? 0;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${output.join('')}`);
        const up = await query('up{job="intake"}').catch(() => []);
        return up.length === 1 && up[0].value === 1;
      },
      60_000,
      'Prometheus to scrape Intake',
    );
  } catch (err) {
    await running.stop();
    throw err;
  }
  return running;
}

// Starts the embedded broker for a bench, either in this process (client and broker
// share one event loop and, on a small machine, the same cores) or as a child process
// running the broker CLI, so client and broker each get their own thread.

import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RunningBroker, startBroker } from '../src/broker';

export type BrokerMode = 'inproc' | 'child';

export interface BenchBroker {
  mode: BrokerMode;
  host: string;
  port: number;
  address: string;
  /** Pid of the child broker (child mode), for CPU accounting. */
  pid: number | null;
  /** The in-process broker (inproc mode), for reading counters such as fsyncCount. */
  running: RunningBroker | null;
  stop(): Promise<void>;
}

const quietLogger = { info: (): void => undefined, warn: (m: string): void => console.warn(m) };

export async function startBenchBroker(mode: BrokerMode, dataDir: string, childNodeArgs: string[] = []): Promise<BenchBroker> {
  if (mode === 'inproc') {
    const running = await startBroker({ dataDir, port: 0 }, quietLogger);
    return { mode, host: running.host, port: running.port, address: running.address, pid: null, running, stop: () => running.stop() };
  }
  return startChildBroker(dataDir, childNodeArgs);
}

/** The compiled CLI: tsc's rootDir is the repo, so it lands at dist/src/broker/cli.js. */
function cliPath(): string {
  const candidates = [path.join(__dirname, '../src/broker/cli.js'), path.join(__dirname, '../broker/cli.js')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new Error(`broker CLI not found at ${candidates.join(' or ')}; run npm run build`);
  return found;
}

function startChildBroker(dataDir: string, nodeArgs: string[]): Promise<BenchBroker> {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, cliPath()], {
    env: { ...process.env, INTAKE_DATA_DIR: dataDir, INTAKE_BROKER_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child broker did not report its address within 15 s; stdout: ${out}`));
    }, 15_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child broker exited early (code ${code}, signal ${signal}); stdout: ${out}`));
    });
    const onData = (d: Buffer): void => {
      out += d.toString('utf8');
      const m = /listening on (\S+):(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume(); // keep draining so later log lines never block the child
      const host = m[1];
      const port = Number(m[2]);
      resolve({
        mode: 'child',
        host,
        port,
        address: `${host}:${port}`,
        pid: child.pid ?? null,
        running: null,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM'); // the CLI syncs and exits cleanly (and writes --cpu-prof output)
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
        },
      });
    };
    child.stdout?.on('data', onData);
  });
}

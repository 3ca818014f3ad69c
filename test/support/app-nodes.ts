// Whole Intake nodes as child processes (app-node.ts) on one broker and one Postgres,
// for tests that SIGKILL a node or run several.
import { ChildProcess, spawn } from 'node:child_process';

export interface AppNode {
  child: ChildProcess;
  url: string;
  /** Sends `signal` (SIGTERM: a graceful stop; SIGKILL: a crash) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a node; resolves once it serves. It is in `children` while it runs (for teardown). */
export function spawnAppNode(brokers: string, databaseUrl: string, dataDir: string, nodeId: string, children?: Set<ChildProcess>): Promise<AppNode> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/support/app-node.ts', brokers, databaseUrl, dataDir, nodeId], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children?.add(child);
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.once('exit', () => children?.delete(child));
    const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    };
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], stop });
    });
    child.once('exit', (code) => reject(new Error(`node ${nodeId} exited with ${code} before it was ready`)));
  });
}

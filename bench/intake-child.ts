// Starting Intake as a child process for the end-to-end benches (collections, sinks,
// streams, tasks): its own node, its embedded broker, the environment the bench gives
// it; and the keep-alive HTTP client the benches drive it with.

import { ChildProcess, spawn } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Runs dist/src/main.js on a free port with `env` over this process's environment
 * (BENCH_CHILD_EXEC_ARGV adds node flags, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof");
 * resolves once it listens. The caller stops the child.
 */
export async function startIntakeChild(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const execArgv = (process.env.BENCH_CHILD_EXEC_ARGV ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...execArgv, path.join(__dirname, '..', 'src', 'main.js')], {
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Intake listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`Intake exited during startup (${code})`)));
  });
  return { child, url };
}

export interface BenchAnswer {
  status: number;
  body: string;
}

/**
 * Keep-alive HTTP to an Intake child, every request with the bench's admin token. A
 * string body is sent as it is (benches serialise before timing: the client's CPU is
 * the app's too on a small machine), anything else as JSON; `headers` may set another
 * content type. `close()` ends its sockets.
 */
export function benchClient(token: string, maxSockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const request = (base: string, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<BenchAnswer> => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const contentHeaders = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
    return new Promise((resolve, reject) => {
      const req = http.request(new URL(pathname, base), { method, agent, headers: { authorization: `Bearer ${token}`, ...contentHeaders, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  };
  /** Closes the kept-alive sockets, so nothing holds the bench's process open. */
  return Object.assign(request, { close: () => agent.destroy() });
}

/** The answer when its status is one of `statuses`; otherwise an error with the start of its body. */
export async function must(answer: Promise<BenchAnswer>, ...statuses: number[]): Promise<BenchAnswer> {
  const res = await answer;
  if (!statuses.includes(res.status)) throw new Error(`expected ${statuses.join('/')}, got ${res.status}: ${res.body.slice(0, 500)}`);
  return res;
}

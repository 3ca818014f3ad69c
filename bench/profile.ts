// CPU profiling for benches: capture a V8 CPU profile around one measured phase
// (through the in-process inspector, so setup work stays out of it) and summarise any
// .cpuprofile by self time, per function and per area (kafkajs encoder, CRC, broker
// codec, storage, GC, idle...). Run on its own to summarise profiles a child wrote:
//   node dist/bench/profile.js <file.cpuprofile> [topN]

import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function post<T>(session: inspector.Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) =>
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))),
  );
}

/** Starts sampling this process; the returned function stops and returns the profile. */
export async function startCpuProfile(samplingIntervalUs = 200): Promise<() => Promise<CpuProfile>> {
  const session = new inspector.Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: samplingIntervalUs });
  await post(session, 'Profiler.start');
  return async () => {
    const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
    await post(session, 'Profiler.disable');
    session.disconnect();
    return profile;
  };
}

export function saveCpuProfile(profile: CpuProfile, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(profile));
}

/** Which part of the system a frame belongs to, for the per-area rollup. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') {
    if (functionName.startsWith('(')) return functionName; // (idle), (garbage collector), (program)
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.includes('kafkajs/src/protocol/recordBatch/crc32C')) return 'kafkajs: crc32c';
  if (url.includes('kafkajs/src/protocol/encoder')) return 'kafkajs: encoder';
  if (url.includes('kafkajs/src/protocol/decoder')) return 'kafkajs: decoder';
  if (url.includes('kafkajs/src/protocol/recordBatch') || url.includes('kafkajs/src/protocol/requests/produce'))
    return 'kafkajs: record batch build';
  if (url.includes('kafkajs/src/protocol/requests/fetch') || url.includes('kafkajs/src/consumer')) return 'kafkajs: consumer/fetch';
  if (url.includes('kafkajs/src/network')) return 'kafkajs: network';
  if (url.includes('kafkajs/src/producer')) return 'kafkajs: producer (partition grouping)';
  if (url.includes('kafkajs')) return 'kafkajs: other';
  if (url.includes('/src/broker/protocol/crc32c')) return 'broker: crc32c';
  if (url.includes('/src/broker/protocol/')) return 'broker: protocol codec';
  if (url.includes('/src/broker/storage/')) return 'broker: storage';
  if (url.includes('/src/broker/server')) return 'broker: server framing';
  if (url.includes('/src/broker/')) return 'broker: other';
  if (url.includes('/bench/')) return 'bench harness';
  if (url.startsWith('node:')) {
    const m = /^node:(?:internal\/)?([a-z_]+)/.exec(url);
    return `node: ${m ? m[1] : url}`;
  }
  return `other: ${path.basename(url)}`;
}

export interface ProfileSummary {
  totalMs: number;
  areas: { area: string; ms: number; share: number }[];
  /** Like areas, but time in Node internals and native code is charged to the nearest calling kafkajs/broker/bench frame. */
  callerAreas: { area: string; ms: number; share: number }[];
  functions: { name: string; where: string; area: string; ms: number; share: number }[];
}

export function summarizeCpuProfile(profile: CpuProfile): ProfileSummary {
  const selfUs = new Map<number, number>();
  if (profile.samples && profile.timeDeltas && profile.samples.length === profile.timeDeltas.length) {
    // A sample's time is the gap until the next sample.
    const { samples, timeDeltas } = profile;
    for (let i = 0; i < samples.length; i++) {
      const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : 0;
      selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
    }
  } else {
    const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0) || 1;
    const perHit = (profile.endTime - profile.startTime) / hits;
    for (const node of profile.nodes) selfUs.set(node.id, (node.hitCount ?? 0) * perHit);
  }
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    for (const c of node.children ?? []) parent.set(c, node);
  }
  const ownerCache = new Map<number, string>();
  const ownerOf = (node: ProfileNode): string => {
    const cached = ownerCache.get(node.id);
    if (cached !== undefined) return cached;
    const own = areaOf(node.callFrame);
    const up = parent.get(node.id);
    const owner = isCodeArea(own) || up === undefined || up.callFrame.functionName === '(root)' ? own : ownerOf(up);
    ownerCache.set(node.id, owner);
    return owner;
  };
  const byFunction = new Map<string, { name: string; where: string; area: string; us: number }>();
  const byArea = new Map<string, number>();
  const byCaller = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    total += us;
    const f = node.callFrame;
    const area = areaOf(f);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
    const owner = ownerOf(node);
    byCaller.set(owner, (byCaller.get(owner) ?? 0) + us);
    const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName}@${where}`;
    const entry = byFunction.get(key) ?? { name: f.functionName || '(anonymous)', where, area, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const share = (us: number): number => (total > 0 ? us / total : 0);
  return {
    totalMs: total / 1000,
    areas: [...byArea.entries()].map(([area, us]) => ({ area, ms: us / 1000, share: share(us) })).sort((a, b) => b.ms - a.ms),
    callerAreas: [...byCaller.entries()].map(([area, us]) => ({ area, ms: us / 1000, share: share(us) })).sort((a, b) => b.ms - a.ms),
    functions: [...byFunction.values()]
      .map((f) => ({ name: f.name, where: f.where, area: f.area, ms: f.us / 1000, share: share(f.us) }))
      .sort((a, b) => b.ms - a.ms),
  };
}

/** Areas that are our code or a library's, as opposed to Node internals, natives, GC and idle. */
function isCodeArea(area: string): boolean {
  return area.startsWith('kafkajs') || area.startsWith('broker') || area === 'bench harness';
}

function shortUrl(url: string): string {
  const i = url.indexOf('node_modules/');
  if (i >= 0) return url.slice(i + 'node_modules/'.length);
  const j = url.search(/\/(src|bench)\//);
  if (j >= 0) return url.slice(j + 1);
  return url.replace(/^file:\/\//, '');
}

/** Busy share: everything except (idle), i.e. how much of the wall time the thread worked. */
export function formatProfileSummary(title: string, s: ProfileSummary, topN = 15): string {
  const idle = s.areas.find((a) => a.area === '(idle)')?.ms ?? 0;
  const busy = s.totalMs - idle;
  const pct = (x: number): string => `${(x * 100).toFixed(1).padStart(5)}%`;
  const lines = [`${title}: ${(s.totalMs / 1000).toFixed(2)} s sampled, ${((busy / Math.max(1, s.totalMs)) * 100).toFixed(0)}% busy`];
  lines.push('  by area (self time, share of busy time):');
  for (const a of s.areas.filter((x) => x.area !== '(idle)').slice(0, topN)) {
    lines.push(`    ${pct(busy > 0 ? a.ms / busy : 0)}  ${a.ms.toFixed(0).padStart(7)} ms  ${a.area}`);
  }
  lines.push('  by area, Node/native time charged to the calling kafkajs/broker code:');
  for (const a of s.callerAreas.filter((x) => x.area !== '(idle)').slice(0, topN)) {
    lines.push(`    ${pct(busy > 0 ? a.ms / busy : 0)}  ${a.ms.toFixed(0).padStart(7)} ms  ${a.area}`);
  }
  lines.push('  top functions (self time, share of busy time):');
  for (const f of s.functions.filter((x) => x.name !== '(idle)').slice(0, topN)) {
    lines.push(`    ${pct(busy > 0 ? f.ms / busy : 0)}  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/bench/profile.js <file.cpuprofile> [topN]');
    process.exit(2);
  }
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  console.log(formatProfileSummary(path.basename(file), summarizeCpuProfile(profile), top ? Number(top) : 20));
}

// Log throughput bench: how close does produce/consume through the embedded broker get
// to what the disk can do, and how much of the gap is the client (kafkajs) versus the
// broker? `npm run bench:log`. All in one run, with 1 KiB random values and 16-byte keys:
//
//   1. ceiling      plain writeSync of the same bytes in 1 MiB chunks, fsync after each
//                   (what an acks=-1 produce of ~1 MiB promises), and a sequential
//                   readSync of them back (the consume reference)
//   2. kafkajs      producer.send, acks=-1, N sends in flight, one ~900 KiB batch each
//   3. consume      kafkajs consumer, eachBatch + autoCommit, from the beginning
//   4. raw          the broker alone: batches pre-encoded with our own codec, sent as
//                   Produce v7 over a few pipelined sockets, acks=-1
//
// Environment (all optional):
//   BENCH_LOG_MB=256            payload MiB per phase (key + value bytes)
//   BENCH_LOG_BROKER=both       inproc | child | both (child = `node dist/src/broker/cli.js` in its own process)
//   BENCH_LOG_PHASES=all        comma list of ceiling,kafkajs,consume,raw
//   BENCH_LOG_PARTITIONS=4      partitions of each bench topic
//   BENCH_LOG_CONCURRENCY=4     producer.send calls in flight
//   BENCH_LOG_SEND_KIB=900      records per send / per raw batch, in KiB (< 1 MiB batch limit)
//   BENCH_LOG_RAW_CONNECTIONS=2 BENCH_LOG_RAW_INFLIGHT=4   raw sender sockets and requests in flight on each
//   BENCH_LOG_FETCH_PARTITION_KIB=1024 BENCH_LOG_FETCH_KIB=10240  kafkajs consumer maxBytesPerPartition / maxBytes
//   BENCH_LOG_WARMUP_MB=16      MiB produced to a scratch topic before each timed produce
//   BENCH_LOG_DIR=$TMPDIR       where temp files and broker data dirs go (same disk as the ceiling)
//   BENCH_LOG_PROFILE=<dir>     write a CPU profile of each timed Kafka phase (in this process) and print a summary;
//                               numbers from a profiled run are lower than unprofiled ones
//   BENCH_LOG_CHILD_NODE_ARGS   extra node flags for the child broker, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
//   BENCH_LOG_KEEP=1            keep temp dirs

import { randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel, Message as KafkaMessage } from 'kafkajs';
import { encodeRecordBatch } from '../src/broker/protocol/record-codec';
import { BenchBroker, BrokerMode, startBenchBroker } from './broker-host';
import { formatProfileSummary, saveCpuProfile, startCpuProfile, summarizeCpuProfile } from './profile';
import { buildProduceFrame, runRawProduce } from './raw-producer';
import { CpuMeter, MIB, ThroughputRow, mibPerSec, nowSeconds, numberFromEnv, pool, printTable } from './report';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const KEY_BYTES = 16;
const VALUE_BYTES = 1024;
const RECORD_PAYLOAD_BYTES = KEY_BYTES + VALUE_BYTES;
/** v2 record framing around key and value at this size: length, attributes, deltas, key/value lengths, header count. */
const RECORD_OVERHEAD_BYTES = 12;
const BATCH_HEADER_BYTES = 61;
const BATCH_BYTES_MAX = 1024 * 1024;
const CEILING_CHUNK_BYTES = MIB;
const TARGET_MIBPS = 100;
const CONSUMER_STALL_MS = 30_000;

const PHASES = ['ceiling', 'kafkajs', 'consume', 'raw'] as const;
type Phase = (typeof PHASES)[number];

interface Config {
  totalMiB: number;
  modes: BrokerMode[];
  phases: Set<Phase>;
  partitions: number;
  concurrency: number;
  sendKiB: number;
  rawConnections: number;
  rawInFlight: number;
  fetchPartitionKiB: number;
  fetchKiB: number;
  warmupMiB: number;
  baseDir: string;
  profileDir: string | null;
  childNodeArgs: string[];
  keep: boolean;
}

function readConfig(): Config {
  const modeEnv = (process.env.BENCH_LOG_BROKER || 'both').toLowerCase();
  const modes: BrokerMode[] = modeEnv === 'both' ? ['inproc', 'child'] : modeEnv === 'child' ? ['child'] : modeEnv === 'inproc' ? ['inproc'] : [];
  if (modes.length === 0) throw new Error(`BENCH_LOG_BROKER must be inproc, child or both, got '${modeEnv}'`);
  const phaseEnv = process.env.BENCH_LOG_PHASES || 'all';
  const phases = new Set<Phase>(
    phaseEnv === 'all'
      ? PHASES
      : phaseEnv.split(',').map((p) => {
          const t = p.trim() as Phase;
          if (!PHASES.includes(t)) throw new Error(`unknown phase '${p}' in BENCH_LOG_PHASES (know ${PHASES.join(', ')})`);
          return t;
        }),
  );
  const sendKiB = numberFromEnv('BENCH_LOG_SEND_KIB', 900);
  if (sendKiB * 1024 + BATCH_HEADER_BYTES > BATCH_BYTES_MAX) throw new Error('BENCH_LOG_SEND_KIB must keep a batch under 1 MiB');
  return {
    totalMiB: numberFromEnv('BENCH_LOG_MB', 256),
    modes,
    phases,
    partitions: Math.floor(numberFromEnv('BENCH_LOG_PARTITIONS', 4)),
    concurrency: Math.floor(numberFromEnv('BENCH_LOG_CONCURRENCY', 4)),
    sendKiB,
    rawConnections: Math.floor(numberFromEnv('BENCH_LOG_RAW_CONNECTIONS', 2)),
    rawInFlight: Math.floor(numberFromEnv('BENCH_LOG_RAW_INFLIGHT', 4)),
    fetchPartitionKiB: numberFromEnv('BENCH_LOG_FETCH_PARTITION_KIB', 1024),
    fetchKiB: numberFromEnv('BENCH_LOG_FETCH_KIB', 10 * 1024),
    warmupMiB: process.env.BENCH_LOG_WARMUP_MB === '0' ? 0 : numberFromEnv('BENCH_LOG_WARMUP_MB', 16),
    baseDir: process.env.BENCH_LOG_DIR || os.tmpdir(),
    profileDir: process.env.BENCH_LOG_PROFILE || null,
    childNodeArgs: (process.env.BENCH_LOG_CHILD_NODE_ARGS || '').split(/\s+/).filter(Boolean),
    keep: process.env.BENCH_LOG_KEEP === '1',
  };
}

/** Every record's key and value, back to back in one random buffer: record i is payload[i*1040, (i+1)*1040). */
interface Dataset {
  payload: Buffer;
  records: number;
  /** Record index ranges [start, end), one per send / batch. */
  chunks: { start: number; end: number }[];
}

function makeDataset(totalMiB: number, sendKiB: number): Dataset {
  const records = Math.floor((totalMiB * MIB) / RECORD_PAYLOAD_BYTES);
  const payload = Buffer.allocUnsafe(records * RECORD_PAYLOAD_BYTES);
  for (let at = 0; at < payload.length; at += 64 * MIB) randomFillSync(payload, at, Math.min(64 * MIB, payload.length - at));
  const perChunk = Math.floor((sendKiB * 1024) / (RECORD_PAYLOAD_BYTES + RECORD_OVERHEAD_BYTES));
  const chunks: Dataset['chunks'] = [];
  for (let s = 0; s < records; s += perChunk) chunks.push({ start: s, end: Math.min(records, s + perChunk) });
  return { payload, records, chunks };
}

const keyOf = (d: Dataset, i: number): Buffer => d.payload.subarray(i * RECORD_PAYLOAD_BYTES, i * RECORD_PAYLOAD_BYTES + KEY_BYTES);
const valueOf = (d: Dataset, i: number): Buffer =>
  d.payload.subarray(i * RECORD_PAYLOAD_BYTES + KEY_BYTES, (i + 1) * RECORD_PAYLOAD_BYTES);

// ---------------------------------------------------------------------------------------
// 1. ceilings

function ceilingWrite(d: Dataset, dir: string): { seconds: number; file: string } {
  const file = path.join(dir, 'ceiling.bin');
  const fd = fs.openSync(file, 'w');
  const start = nowSeconds();
  try {
    for (let at = 0; at < d.payload.length; at += CEILING_CHUNK_BYTES) {
      const len = Math.min(CEILING_CHUNK_BYTES, d.payload.length - at);
      let done = 0;
      while (done < len) done += fs.writeSync(fd, d.payload, at + done, len - done, at + done);
      fs.fsyncSync(fd);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { seconds: nowSeconds() - start, file };
}

/**
 * The same bytes spread over `files` files, written and fsynced 1 MiB at a time with at
 * most one chunk in flight per file, through libuv's thread pool — the disk with the queue
 * depth a broker with that many partitions can give it by fsyncing them in parallel.
 */
async function ceilingWriteParallel(d: Dataset, dir: string, files: number): Promise<number> {
  const fds = Array.from({ length: files }, (_, i) => fs.openSync(path.join(dir, `ceiling-${i}.bin`), 'w'));
  const chunks = Math.ceil(d.payload.length / CEILING_CHUNK_BYTES);
  const start = nowSeconds();
  try {
    await Promise.all(
      fds.map(async (fd, f) => {
        let position = 0;
        for (let c = f; c < chunks; c += files) {
          const at = c * CEILING_CHUNK_BYTES;
          const len = Math.min(CEILING_CHUNK_BYTES, d.payload.length - at);
          let done = 0;
          while (done < len) {
            const { bytesWritten } = await fsp.write(fd, d.payload, at + done, len - done, position + done);
            done += bytesWritten;
          }
          position += len;
          await fsp.fsync(fd);
        }
      }),
    );
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    for (let i = 0; i < files; i++) fs.rmSync(path.join(dir, `ceiling-${i}.bin`), { force: true });
  }
  return nowSeconds() - start;
}

const fsp = {
  write: (fd: number, buf: Buffer, offset: number, length: number, position: number): Promise<{ bytesWritten: number }> =>
    new Promise((resolve, reject) => fs.write(fd, buf, offset, length, position, (err, bytesWritten) => (err ? reject(err) : resolve({ bytesWritten })))),
  fsync: (fd: number): Promise<void> => new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve()))),
};

/** Sequential readSync of the file just written (page cache warm, as the broker's log is). */
function ceilingRead(file: string, expectBytes: number): number {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CEILING_CHUNK_BYTES);
  let total = 0;
  const start = nowSeconds();
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const seconds = nowSeconds() - start;
  if (total !== expectBytes) throw new Error(`ceiling read got ${total} bytes, wrote ${expectBytes}`);
  return seconds;
}

// ---------------------------------------------------------------------------------------
// shared bits for the Kafka phases

function kafkaFor(broker: BenchBroker): Kafka {
  return new Kafka({
    clientId: 'bench-log',
    brokers: [broker.address],
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  });
}

function fsyncTotal(broker: BenchBroker, topic: string): number | null {
  const t = broker.running?.cluster.topics.get(topic);
  return t ? t.partitions.reduce((n, p) => n + p.fsyncCount, 0) : null;
}

async function highWatermarkTotal(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, o) => n + Number(o.high), 0);
  } finally {
    await admin.disconnect();
  }
}


interface Measured {
  seconds: number;
  cores: number | null;
  coresNote: string;
}

/** Times `fn` with CPU accounting for this process and the child broker, and profiles it if asked. */
async function measure(cfg: Config, broker: BenchBroker, label: string, fn: () => Promise<number | void>): Promise<Measured> {
  const stopProfile = cfg.profileDir ? await startCpuProfile() : null;
  const cpu = new CpuMeter(broker.pid);
  const start = nowSeconds();
  const reported = await fn();
  const seconds = typeof reported === 'number' ? reported : nowSeconds() - start;
  const wall = nowSeconds() - start;
  const used = cpu.read();
  if (stopProfile) {
    const profile = await stopProfile();
    const file = path.join(cfg.profileDir as string, `${label}.cpuprofile`);
    saveCpuProfile(profile, file);
    profileReports.push(formatProfileSummary(`${label} (this process; ${file})`, summarizeCpuProfile(profile), 12));
  }
  const foreign = foreignNote(used.foreign, wall);
  if (used.other === null) {
    return { seconds, cores: used.self / wall, coresNote: (broker.mode === 'inproc' ? 'client+broker in 1 process' : '') + foreign };
  }
  splits.set(label, { client: used.self / wall, broker: used.other / wall });
  return {
    seconds,
    cores: (used.self + used.other) / wall,
    coresNote: `client ${(used.self / wall).toFixed(2)} + broker ${(used.other / wall).toFixed(2)} cores${foreign}`,
  };
}

/** Below this, CPU used by the rest of the machine during a phase is noise not worth a note. */
const FOREIGN_CORES_NOTE_MIN = 0.15;

function foreignNote(foreignSeconds: number | null, wall: number): string {
  if (foreignSeconds === null || wall <= 0 || foreignSeconds / wall < FOREIGN_CORES_NOTE_MIN) return '';
  return `, OTHER PROCESSES ${(foreignSeconds / wall).toFixed(2)} cores`;
}

/** Times a phase that runs only in this process, noting CPU the rest of the machine used meanwhile. */
async function local<T>(fn: () => T | Promise<T>): Promise<{ result: T; seconds: number; note: string }> {
  const cpu = new CpuMeter();
  const start = nowSeconds();
  const result = await fn();
  const seconds = nowSeconds() - start;
  return { result, seconds, note: foreignNote(cpu.read().foreign, seconds) };
}

const profileReports: string[] = [];
/** Client / broker cores per measured phase label, when the broker ran in its own process. */
const splits = new Map<string, { client: number; broker: number }>();

// ---------------------------------------------------------------------------------------
// 2. kafkajs produce

function kafkajsMessages(d: Dataset, chunk: { start: number; end: number }, partition: number): KafkaMessage[] {
  const out: KafkaMessage[] = new Array(chunk.end - chunk.start);
  for (let i = chunk.start; i < chunk.end; i++) out[i - chunk.start] = { key: keyOf(d, i), value: valueOf(d, i), partition };
  return out;
}

async function kafkajsProduce(cfg: Config, broker: BenchBroker, kafka: Kafka, d: Dataset, topic: string, warmupTopic: string): Promise<ThroughputRow> {
  const sends = d.chunks.map((c, i) => ({ partition: i % cfg.partitions, messages: kafkajsMessages(d, c, i % cfg.partitions) }));
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const warmupSends = sends.slice(0, Math.ceil((cfg.warmupMiB * MIB) / (cfg.sendKiB * 1024)));
    await pool(warmupSends.length, cfg.concurrency, async (i) => {
      await producer.send({ topic: warmupTopic, acks: -1, messages: warmupSends[i].messages });
    });
    const fsyncsBefore = fsyncTotal(broker, topic);
    const m = await measure(cfg, broker, `${broker.mode}-kafkajs-produce`, () =>
      pool(sends.length, cfg.concurrency, async (i) => {
        const [res] = await producer.send({ topic, acks: -1, messages: sends[i].messages });
        if (res.errorCode !== 0) throw new Error(`produce failed with error code ${res.errorCode}`);
      }),
    );
    const high = await highWatermarkTotal(kafka, topic);
    if (high !== d.records) throw new Error(`kafkajs produce: topic holds ${high} records, sent ${d.records}`);
    const fsyncs = fsyncsBefore === null ? null : (fsyncTotal(broker, topic) as number) - fsyncsBefore;
    return {
      name: `kafkajs produce acks=-1 [${broker.mode}]`,
      bytes: d.payload.length,
      records: d.records,
      seconds: m.seconds,
      cores: m.cores,
      note: [`${cfg.concurrency} sends in flight, 1 batch each`, fsyncs === null ? '' : `${fsyncs} fsyncs`, m.coresNote].filter(Boolean).join(', '),
    };
  } finally {
    await producer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------
// 3. kafkajs consume

async function kafkajsConsume(cfg: Config, broker: BenchBroker, kafka: Kafka, d: Dataset, topic: string): Promise<ThroughputRow> {
  const consumer = kafka.consumer({
    groupId: `bench-log-${broker.mode}-${Date.now()}`,
    maxBytesPerPartition: Math.floor(cfg.fetchPartitionKiB * 1024),
    maxBytes: Math.floor(cfg.fetchKiB * 1024),
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
  });
  let records = 0;
  let bytes = 0;
  let batches = 0;
  let joinedAt: number | null = null;
  let doneAt = 0;
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolveDone = res;
    rejectDone = rej;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ??= nowSeconds();
  });
  consumer.on(consumer.events.CRASH, (e) => rejectDone(e.payload.error));
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const m = await measure(cfg, broker, `${broker.mode}-kafkajs-consume`, async () => {
      const runAt = nowSeconds();
      await consumer.run({
        autoCommit: true,
        eachBatch: async ({ batch }) => {
          for (const msg of batch.messages) bytes += (msg.key?.length ?? 0) + (msg.value?.length ?? 0);
          records += batch.messages.length;
          batches++;
          if (records >= d.records && doneAt === 0) {
            doneAt = nowSeconds();
            resolveDone();
          }
        },
      });
      // Fail rather than hang if the consumer stops making progress.
      let seen = -1;
      const watchdog = setInterval(() => {
        if (records === seen) rejectDone(new Error(`consumer stalled at ${records} of ${d.records} records`));
        seen = records;
      }, CONSUMER_STALL_MS);
      try {
        await done;
      } finally {
        clearInterval(watchdog);
      }
      // Timed from the group join (not from run(), which includes the rebalance delay).
      return doneAt - (joinedAt ?? runAt);
    });
    if (records !== d.records || bytes !== d.payload.length) {
      throw new Error(`consume read ${records} records / ${bytes} bytes, expected ${d.records} / ${d.payload.length}`);
    }
    return {
      name: `kafkajs consume eachBatch [${broker.mode}]`,
      bytes,
      records,
      seconds: m.seconds,
      cores: m.cores,
      note: [`${batches} batches, fetch ${cfg.fetchPartitionKiB} KiB/partition`, m.coresNote].filter(Boolean).join(', '),
    };
  } finally {
    await consumer.disconnect();
  }
}

// ---------------------------------------------------------------------------------------
// 4. raw pipelined Produce v7 (broker cost only)

function encodeBatches(d: Dataset, chunks: Dataset['chunks']): Buffer[] {
  return chunks.map((c) => {
    const records = [];
    for (let i = c.start; i < c.end; i++) records.push({ key: keyOf(d, i), value: valueOf(d, i) });
    return encodeRecordBatch({ records });
  });
}

async function rawProduce(cfg: Config, broker: BenchBroker, kafka: Kafka, d: Dataset, batches: Buffer[], topic: string, warmupTopic: string): Promise<ThroughputRow> {
  const frames = batches.map((b, i) => buildProduceFrame(topic, [{ index: i % cfg.partitions, records: b }], -1));
  const warmupCount = Math.min(batches.length, Math.ceil((cfg.warmupMiB * MIB) / (cfg.sendKiB * 1024)));
  if (warmupCount > 0) {
    const warm = batches.slice(0, warmupCount).map((b, i) => buildProduceFrame(warmupTopic, [{ index: i % cfg.partitions, records: b }], -1));
    await runRawProduce({ host: broker.host, port: broker.port, frames: warm, connections: cfg.rawConnections, inFlightPerConnection: cfg.rawInFlight });
  }
  const fsyncsBefore = fsyncTotal(broker, topic);
  const m = await measure(cfg, broker, `${broker.mode}-raw-produce`, async () => {
    const r = await runRawProduce({
      host: broker.host,
      port: broker.port,
      frames,
      connections: cfg.rawConnections,
      inFlightPerConnection: cfg.rawInFlight,
    });
    return r.seconds;
  });
  const high = await highWatermarkTotal(kafka, topic);
  if (high !== d.records) throw new Error(`raw produce: topic holds ${high} records, sent ${d.records}`);
  const fsyncs = fsyncsBefore === null ? null : (fsyncTotal(broker, topic) as number) - fsyncsBefore;
  return {
    name: `raw Produce v7 acks=-1 [${broker.mode}]`,
    bytes: d.payload.length,
    records: d.records,
    seconds: m.seconds,
    cores: m.cores,
    note: [`${cfg.rawConnections} conns x ${cfg.rawInFlight} in flight`, fsyncs === null ? '' : `${fsyncs} fsyncs`, m.coresNote]
      .filter(Boolean)
      .join(', '),
  };
}

// ---------------------------------------------------------------------------------------

async function runMode(
  cfg: Config,
  mode: BrokerMode,
  d: Dataset,
  batches: Buffer[] | null,
  ceilings: { write: number | null; read: number | null },
  workDir: string,
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  const dataDir = path.join(workDir, `broker-${mode}`);
  fs.mkdirSync(dataDir, { recursive: true });
  const broker = await startBenchBroker(mode, dataDir, cfg.childNodeArgs);
  const kafka = kafkaFor(broker);
  try {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: ['bench-kafkajs', 'bench-raw', 'bench-warmup', 'bench-warmup-raw'].map((topic) => ({ topic, numPartitions: cfg.partitions })),
    });
    await admin.disconnect();

    if (cfg.phases.has('kafkajs') || cfg.phases.has('consume')) {
      const row = await kafkajsProduce(cfg, broker, kafka, d, 'bench-kafkajs', 'bench-warmup');
      if (cfg.phases.has('kafkajs')) rows.push({ ...row, baselineMiBps: ceilings.write });
      else console.log(`(produced ${d.records} records with kafkajs to have something to consume)`);
    }
    if (cfg.phases.has('consume')) {
      rows.push({ ...(await kafkajsConsume(cfg, broker, kafka, d, 'bench-kafkajs')), baselineMiBps: ceilings.read });
    }
    if (cfg.phases.has('raw') && batches) {
      rows.push({ ...(await rawProduce(cfg, broker, kafka, d, batches, 'bench-raw', 'bench-warmup-raw')), baselineMiBps: ceilings.write });
    }
  } finally {
    await broker.stop();
  }
  return rows;
}

async function main(): Promise<void> {
  const cfg = readConfig();
  const workDir = fs.mkdtempSync(path.join(cfg.baseDir, 'intake-bench-log-'));
  const startedAt = nowSeconds();
  const runCpu = new CpuMeter();
  console.log(
    `bench:log  node ${process.version}, ${os.cpus().length} cpus (${os.cpus()[0]?.model ?? '?'}), ` +
      `${cfg.totalMiB} MiB per phase = records of ${KEY_BYTES} B key + ${VALUE_BYTES} B random value, ` +
      `broker ${cfg.modes.join(' + ')}, ${cfg.partitions} partitions, ~${cfg.sendKiB} KiB per send/batch, data in ${workDir}`,
  );
  try {
    const d = makeDataset(cfg.totalMiB, cfg.sendKiB);
    console.log(`dataset: ${d.records} records, ${(d.payload.length / MIB).toFixed(1)} MiB payload, ${d.chunks.length} sends of ${d.chunks[0].end - d.chunks[0].start} records`);
    const rows: ThroughputRow[] = [];
    const ceilings = { write: null as number | null, read: null as number | null };

    if (cfg.phases.has('ceiling')) {
      const w = await local(() => ceilingWrite(d, workDir));
      ceilings.write = mibPerSec(d.payload.length, w.seconds);
      rows.push({ name: 'ceiling: writeSync 1 MiB + fsync', bytes: d.payload.length, records: d.records, seconds: w.seconds, baselineMiBps: ceilings.write, note: `write reference${w.note}` });
      const r = await local(() => ceilingRead(w.result.file, d.payload.length));
      ceilings.read = mibPerSec(d.payload.length, r.seconds);
      rows.push({ name: 'ceiling: sequential readSync 1 MiB', bytes: d.payload.length, records: d.records, seconds: r.seconds, baselineMiBps: ceilings.read, note: `read reference (page cache warm)${r.note}` });
      fs.rmSync(w.result.file, { force: true });
      const p = await local(() => ceilingWriteParallel(d, workDir, cfg.partitions));
      rows.push({
        name: `disk: ${cfg.partitions} files, async write+fsync/1 MiB`,
        bytes: d.payload.length,
        records: d.records,
        seconds: p.seconds,
        baselineMiBps: ceilings.write,
        note: `context: parallel fsyncs, as ${cfg.partitions} partitions get${p.note}`,
      });
    }

    let batches: Buffer[] | null = null;
    if (cfg.phases.has('raw')) {
      const e = await local(() => encodeBatches(d, d.chunks));
      batches = e.result;
      rows.push({
        name: 'encodeRecordBatch only (no I/O)',
        bytes: d.payload.length,
        records: d.records,
        seconds: e.seconds,
        baselineMiBps: ceilings.write,
        cores: 1,
        note: `our codec incl. CRC-32C, setup for raw${e.note}`,
      });
    }

    for (const mode of cfg.modes) rows.push(...(await runMode(cfg, mode, d, batches, ceilings, workDir)));

    printTable(`log throughput (${(d.payload.length / MIB).toFixed(0)} MiB payload per row; MiB/s = 2^20 B/s of key+value bytes; "vs ceiling" = write ceiling for produce, read ceiling for consume)`, rows);
    for (const r of profileReports) console.log(`${r}\n`);

    const produceRows = rows.filter((r) => r.name.startsWith('kafkajs produce'));
    if (produceRows.length > 0) {
      const verdicts = produceRows.map((r) => {
        const rate = mibPerSec(r.bytes, r.seconds);
        return `${r.name.replace('kafkajs produce acks=-1 ', '')} ${rate.toFixed(1)} MiB/s`;
      });
      const best = Math.max(...produceRows.map((r) => mibPerSec(r.bytes, r.seconds)));
      const raw = rows.filter((r) => r.name.startsWith('raw Produce')).map((r) => `${mibPerSec(r.bytes, r.seconds).toFixed(1)}`);
      const split = splits.get('child-kafkajs-produce');
      const bound =
        split === undefined
          ? ''
          : `; with the broker in its own process kafkajs used ${split.client.toFixed(2)} cores and the broker ${split.broker.toFixed(2)}` +
            (split.client > 0.85 && split.client > 2 * split.broker ? ' -> bound by kafkajs client CPU' : '');
      console.log(
        `VERDICT: target kafkajs produce >= ${TARGET_MIBPS} MB/s on loopback (checked as >= ${TARGET_MIBPS} MiB/s): ${best >= TARGET_MIBPS ? 'MET' : 'NOT MET'} ` +
          `(kafkajs acks=-1: ${verdicts.join(', ')}; broker alone via raw Produce: ${raw.length ? raw.join(' / ') + ' MiB/s' : 'not run'}${bound})`,
      );
    }
    const elapsed = nowSeconds() - startedAt;
    const foreign = runCpu.read().foreign;
    console.log(
      `bench:log finished in ${elapsed.toFixed(1)} s; other processes used ` +
        `${foreign === null ? '?' : (foreign / elapsed).toFixed(2)} of ${os.cpus().length} cores on average meanwhile (load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`,
    );
  } finally {
    if (cfg.keep) console.log(`kept ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

// The shared materializer runner on a real broker and Postgres: batching, typed
// failures filed once, exactly-once application with the Postgres offset store
// (an injected crash between writing rows and committing, and a node killed with
// SIGKILL while another takes its partitions over), and replica-mode restarts
// that leave no consumer group behind.
import { ChildProcess, spawn } from 'node:child_process';
import { LogClient } from '../../src/log/log-client';
import { MaterializerRunner } from '../../src/materialize/materializer-runner';
import { CheckpointOffsetStore } from '../../src/materialize/offset-store';
import { IngestErrorsRepository } from '../../src/database/ingest-errors.repository';
import type { ConsumedRecord, Decoded, MaterializerSurface } from '../../src/materialize/materializer';
import { withTestApp } from '../support/app';
import { eventually } from '../support/broker';
import { CountingSurface, ROWS_TABLE, countingRunner } from '../support/counting-surface';

jest.setTimeout(240_000);

describe('materializer runner', () => {
  const t = withTestApp({ app: false, db: true });
  let log: LogClient;

  beforeAll(async () => {
    await t.db.query(ROWS_TABLE);
    log = new LogClient({ brokers: [t.broker.address], clientId: 'runner-test' });
    t.onTeardown(() => log.close());
    await log.connect();
  });

  const produce = async (topic: string, values: (string | null)[], keyOf = (i: number) => `k${i}`, from = 0, partitions = 4) => {
    for (let start = 0; start < values.length; start += 500) {
      await log.append(
        topic,
        values.slice(start, start + 500).map((v, j) => ({ key: keyOf(from + start + j), value: v === null ? null : Buffer.from(v), partition: (from + start + j) % partitions })),
      );
    }
  };
  const rows = async (topic: string) => (await t.db.query(`SELECT count(*)::int AS n FROM runner_rows WHERE topic = $1`, [topic]))[0].n as number;
  const duplicates = async (topic: string) =>
    t.db.query(`SELECT partition, "offset", count(*)::int AS n FROM runner_rows WHERE topic = $1 GROUP BY 1, 2 HAVING count(*) > 1`, [topic]);

  it('applies in batches, files each decode and apply failure once, and a restart applies nothing twice', async () => {
    const topic = 'runner.batches';
    await log.ensureTopic(topic, 4);
    const values = Array.from({ length: 1_000 }, (_, i) => (i % 100 === 7 ? 'not json' : i % 100 === 8 ? '{"n":-1}' : `{"n":${i}}`));
    await produce(topic, values);
    const surface = new CountingSurface('batches', topic, 4, 'a');
    const runner = countingRunner(surface, log, t.db);
    await runner.start();
    const ends = await log.endOffsets(topic);
    expect(await runner.applied.waitForEnds(ends, 60_000)).toBe(true);
    expect(await rows(topic)).toBe(980);
    const errors = await t.db.query(`SELECT reason, count(*)::int AS n FROM ingest_errors WHERE topic = $1 GROUP BY reason ORDER BY reason`, [topic]);
    expect(errors).toEqual([
      { reason: 'INVALID_RECORD', n: 10 },
      { reason: 'MALFORMED_JSON', n: 10 },
    ]);
    await runner.stop();

    // A new runner of the same materializer resumes from Postgres: nothing twice.
    await produce(topic, ['{"n":5000}', '{"n":5001}'], (i) => `late${i}`);
    const again = countingRunner(new CountingSurface('batches', topic, 4, 'b'), log, t.db);
    await again.start();
    expect(await again.applied.waitForEnds(await log.endOffsets(topic), 60_000)).toBe(true);
    expect(await rows(topic)).toBe(982);
    expect(await duplicates(topic)).toEqual([]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM ingest_errors WHERE topic = $1`, [topic]))[0].n).toBe(20);
    await again.stop();
  });

  it('applies exactly once when a batch fails after writing its rows and before committing', async () => {
    const topic = 'runner.crash';
    await log.ensureTopic(topic, 4);
    await produce(topic, Array.from({ length: 2_000 }, (_, i) => `{"n":${i}}`));
    const surface = new CountingSurface('crash', topic, 4, 'a');
    surface.failAfterRows = 700;
    const runner = countingRunner(surface, log, t.db);
    await runner.start();
    expect(await runner.applied.waitForEnds(await log.endOffsets(topic), 120_000)).toBe(true);
    expect(surface.failAfterRows).toBeNull(); // the fault did fire
    expect(await rows(topic)).toBe(2_000);
    expect(await duplicates(topic)).toEqual([]);
    await runner.stop();
  });

  it('keeps consuming after a surface throws a TypeError (which would stop a kafkajs consumer for good)', async () => {
    const topic = 'runner.typeerror';
    await log.ensureTopic(topic, 4);
    await produce(topic, Array.from({ length: 500 }, (_, i) => `{"n":${i}}`));
    const surface = new CountingSurface('typeerror', topic, 4, 'a');
    surface.failAfterRows = 100;
    surface.failWith = () => new TypeError("Cannot read properties of undefined (reading 'offset')");
    const runner = countingRunner(surface, log, t.db);
    await runner.start();
    expect(await runner.applied.waitForEnds(await log.endOffsets(topic), 120_000)).toBe(true);
    expect(surface.failAfterRows).toBeNull();
    expect(await rows(topic)).toBe(500);
    expect(await duplicates(topic)).toEqual([]);
    await runner.stop();
  });

  it('splits partitions between two shared-mode nodes; after one is killed with SIGKILL the other applies every record exactly once', async () => {
    const topic = 'runner.shared';
    await log.ensureTopic(topic, 4);
    const spawnNode = (node: string) =>
      new Promise<ChildProcess>((resolve, reject) => {
        const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/support/runner-node.ts', t.broker.address, t.pg.url, topic, '4', node], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
        child.once('exit', (code) => reject(new Error(`node ${node} exited with ${code} before it was ready`)));
      });
    const [a, b] = await Promise.all([spawnNode('a'), spawnNode('b')]);
    try {
      const N = 12_000;
      const values = Array.from({ length: N }, (_, i) => `{"n":${i}}`);
      await produce(topic, values.slice(0, 4_000));
      // Both nodes apply: the partitions are split between them.
      await eventually(async () => {
        const nodes = await t.db.query(`SELECT DISTINCT node FROM runner_rows WHERE topic = $1`, [topic]);
        return nodes.length === 2;
      }, 60_000, 'both nodes to apply some partitions');
      const byNode = await t.db.query(`SELECT node, array_agg(DISTINCT partition ORDER BY partition) AS partitions FROM runner_rows WHERE topic = $1 GROUP BY node ORDER BY node`, [topic]);
      const [pa, pb] = byNode.map((r: { partitions: number[] }) => r.partitions);
      expect(pa.filter((p: number) => pb.includes(p))).toEqual([]);
      // Kill a mid-stream, keep producing.
      const producing = produce(topic, values.slice(4_000), undefined, 4_000);
      await new Promise((r) => setTimeout(r, 200));
      a.kill('SIGKILL');
      await producing;
      await eventually(async () => (await rows(topic)) >= N, 120_000, `all ${N} records applied`);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await rows(topic)).toBe(N);
      expect(await duplicates(topic)).toEqual([]);
      const owners = await t.db.query(`SELECT DISTINCT partition FROM runner_rows WHERE topic = $1 AND node = 'b' ORDER BY partition`, [topic]);
      expect(owners.map((r: { partition: number }) => r.partition)).toEqual([0, 1, 2, 3]);
    } finally {
      a.kill('SIGKILL');
      b.kill('SIGTERM');
      await new Promise((r) => b.once('exit', r));
    }
  });

  it('replica mode: every runner reads every partition, and a restart leaves no consumer group behind', async () => {
    const topic = 'runner.replica';
    await log.ensureTopic(topic, 2);
    await produce(topic, ['{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}'], undefined, 0, 2);
    const seen: number[] = [];
    const surface: MaterializerSurface<number> = {
      surface: 'collection',
      sourceId: 'replica',
      topic,
      partitions: 2,
      mode: 'replica',
      decode: (r: ConsumedRecord) => JSON.parse(r.value!.toString()).n,
      applyBatch: async (_p: number, items: Decoded<number>[]) => {
        seen.push(...items.map((i) => i.value));
      },
    };
    const start = async () => {
      const r = new MaterializerRunner(surface, {
        log,
        errors: new IngestErrorsRepository(t.db),
        offsets: new CheckpointOffsetStore(new IngestErrorsRepository(t.db), new Map()),
        groupId: 'intake.node-x.materializer.runner.replica',
      });
      await r.start();
      expect(await r.applied.waitForEnds(await log.endOffsets(topic), 30_000)).toBe(true);
      return r;
    };
    const first = await start();
    expect(await log.groups('intake.node-x.')).toHaveLength(1);
    await first.stop();
    const second = await start();
    await second.stop();
    expect(seen.sort()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    await eventually(async () => (await log.groups('intake.node-x.')).length === 0, 15_000, 'no group left after the restarts');
  });
});

// A minimal shared-mode surface for testing the materializer runner against a real
// broker and Postgres: each record's value is JSON {"n": <integer>}; applying writes
// one row per record into runner_rows in the runner's transaction. A negative n is
// an apply-time failure; a value that is not such JSON is a decode failure.
import { DataSource, EntityManager } from 'typeorm';
import { IngestErrorReason } from '../../src/common/errors';
import { IngestErrorsRepository } from '../../src/database/ingest-errors.repository';
import { LogClient } from '../../src/log/log-client';
import type { ApplyContext, ConsumedRecord, Decoded, DecodeFailure, MaterializerSurface } from '../../src/materialize/materializer';
import { MaterializerRunner } from '../../src/materialize/materializer-runner';
import { PostgresOffsetStore } from '../../src/materialize/offset-store';

export const ROWS_TABLE = `CREATE TABLE IF NOT EXISTS runner_rows (
  node text NOT NULL, topic text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL, key text, n int NOT NULL)`;

export class CountingSurface implements MaterializerSurface<{ n: number }> {
  readonly surface = 'sink' as const;
  readonly mode = 'shared' as const;
  /** Throws once, after writing its rows, in the batch that reaches this many applied records: a crash before the commit. */
  failAfterRows: number | null = null;
  /** What that crash throws: a plain Error, or e.g. a TypeError (a bug in a surface). */
  failWith: () => Error = () => new Error('injected crash between writing the rows and committing');
  applied = 0;

  constructor(
    readonly sourceId: string,
    readonly topic: string,
    readonly partitions: number,
    private readonly node: string,
  ) {}

  decode(record: ConsumedRecord): { n: number } | DecodeFailure {
    try {
      const v = JSON.parse(record.value?.toString('utf8') ?? '');
      if (typeof v?.n === 'number' && Number.isInteger(v.n)) return { n: v.n };
    } catch {
      /* fall through */
    }
    return { reason: IngestErrorReason.MALFORMED_JSON, message: 'value is not {"n": integer}' };
  }

  async applyBatch(partition: number, items: Decoded<{ n: number }>[], context: ApplyContext): Promise<void> {
    const tx = context.transaction as EntityManager;
    const good = items.filter((i) => {
      if (i.value.n >= 0) return true;
      context.fail(i.record, IngestErrorReason.INVALID_RECORD, `n is ${i.value.n}`);
      return false;
    });
    if (good.length > 0) {
      const params: unknown[] = [];
      const tuples = good.map((i, k) => {
        params.push(this.node, this.topic, partition, i.record.offset.toString(), i.record.key?.toString() ?? null, i.value.n);
        return `($${k * 6 + 1}, $${k * 6 + 2}, $${k * 6 + 3}, $${k * 6 + 4}, $${k * 6 + 5}, $${k * 6 + 6})`;
      });
      await tx.query(`INSERT INTO runner_rows (node, topic, partition, "offset", key, n) VALUES ${tuples.join(', ')}`, params);
    }
    this.applied += items.length;
    if (this.failAfterRows !== null && this.applied >= this.failAfterRows) {
      this.failAfterRows = null;
      this.applied -= items.length;
      throw this.failWith();
    }
  }
}

export function countingRunner(
  surface: CountingSurface,
  log: LogClient,
  dataSource: DataSource,
): MaterializerRunner<{ n: number }> {
  const errors = new IngestErrorsRepository(dataSource);
  return new MaterializerRunner(surface, {
    log,
    errors,
    offsets: new PostgresOffsetStore(dataSource, errors, `test:${surface.sourceId}`, surface.topic),
    groupId: `intake.test.${surface.sourceId}`,
  });
}

// `file`: rolling NDJSON files under <data dir>/streams/<stream id>/<destination>/,
// one open file per partition (partitions are delivered concurrently; one file each
// keeps lines of a partition in log order). A file is rolled when it reaches
// max_bytes or max_age_seconds; its name holds the partition and the first offset
// it holds. Each batch is fsynced before the runner stores its offsets:
// at-least-once (a crash between the two repeats the batch's lines).

import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir } from '../../common/fsync';
import type { DestinationSpec } from '../stream-definition';
import type { DeliveryContext, DeliveryItem, StreamDestination } from './destination';

type FileSpec = Extract<DestinationSpec, { type: 'file' }>;

export const FILE_DEFAULTS = { maxBytes: 64 * 1024 * 1024, maxAgeSeconds: 300 } as const;

interface OpenFile {
  handle: FileHandle;
  bytes: number;
  openedAtMs: number;
}

export class FileDestination implements StreamDestination {
  readonly name: string;
  private readonly open = new Map<number, OpenFile>();

  /** `dir` is built from checked names only (a stream's UUID and a destination name matching NAME_PATTERN). */
  constructor(
    private readonly spec: FileSpec,
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.name = spec.name;
  }

  async deliver(items: DeliveryItem[], context: DeliveryContext): Promise<number> {
    if (items.length === 0) return 0;
    const text = Buffer.from(items.map((i) => JSON.stringify(i.event)).join('\n') + '\n');
    const file = await this.fileFor(context.partition, items[0].ref.record.offset, text.length);
    await file.handle.write(text);
    await file.handle.sync();
    file.bytes += text.length;
    return items.length;
  }

  private async fileFor(partition: number, firstOffset: bigint, adding: number): Promise<OpenFile> {
    const current = this.open.get(partition);
    const maxBytes = this.spec.max_bytes ?? FILE_DEFAULTS.maxBytes;
    const maxAgeMs = (this.spec.max_age_seconds ?? FILE_DEFAULTS.maxAgeSeconds) * 1000;
    if (current && current.bytes + adding <= maxBytes && this.now() - current.openedAtMs < maxAgeMs) return current;
    if (current) {
      this.open.delete(partition);
      await current.handle.close();
    }
    await mkdir(this.dir, { recursive: true });
    const openedAtMs = this.now();
    const stamp = new Date(openedAtMs).toISOString().replace(/[:.]/g, '-');
    const handle = await open(path.join(this.dir, `p${partition}-${stamp}-o${firstOffset}.ndjson`), 'a');
    fsyncDir(this.dir);
    const file = { handle, bytes: 0, openedAtMs };
    this.open.set(partition, file);
    return file;
  }

  async close(): Promise<void> {
    const files = [...this.open.values()];
    this.open.clear();
    await Promise.allSettled(files.map((f) => f.handle.close()));
  }
}

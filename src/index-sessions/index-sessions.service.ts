// Index ingest sessions (seed 001): init → ingest / binary batch → finalize.
// Rows are appended to the collection's log tagged with the session id, so a crash
// mid-session loses nothing acknowledged; the collection's materializer stages
// them and builds them into the index when the session's finalize record arrives.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Errors } from '../common/errors';
import { CollectionMaterializer } from '../collections/collection.materializer';
import { CollectionRegistry } from '../collections/collection.registry';
import { IndexSessionsRepository } from '../database/index-sessions.repository';
import { AppendRecord, LogClient } from '../log/log-client';
import { Header, encodeVector } from '../collections/vector-record';
import { FinalizeCommand, encodeFinalize } from './session-record';
import { requireIndexable } from '../collections/indexable';
import { BinaryRowError, ID_BYTES, readRows, rowBytes } from './binary-rows';
import { FinalizeInput, IngestInput, InitInput, finalizeRequest } from './dto/session-requests';

/** A binary batch body larger than this is refused (413) while it streams. */
export const BATCH_BODY_BYTES_MAX = 1024 * 1024 * 1024;
/** Bytes of spooled rows turned into one run of appends; bounds memory per request. */
const APPEND_RUN_BYTES = 4 * 1024 * 1024;

@Injectable()
export class IndexSessionsService {
  private readonly logger = new Logger(IndexSessionsService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly log: LogClient,
    private readonly registry: CollectionRegistry,
    private readonly sessions: IndexSessionsRepository,
  ) {}

  private async index(name: string): Promise<CollectionMaterializer> {
    const m = await this.registry.find(name);
    if (!m) throw Errors.notFound('index', name);
    return m;
  }

  private async openSession(indexName: string) {
    const session = await this.sessions.get(indexName);
    if (!session) throw Errors.invalidState(`index '${indexName}' has no open ingest session; call POST /init first`, { index_name: indexName });
    if (session.status !== 'open') {
      throw Errors.invalidState(`the ingest session of '${indexName}' is being finalized`, { index_name: indexName, session_id: session.sessionId });
    }
    return session;
  }

  async init(input: InitInput) {
    const { index_name: indexName, mode } = input;
    await this.index(indexName);
    await this.sessions.open(indexName, randomUUID(), mode);
    return { success: true, message: `Index '${indexName}' initialized in '${mode}' mode`, index_name: indexName };
  }

  async ingest(input: IngestInput) {
    const { index_name: indexName, external_id: id, vector } = input;
    const m = await this.index(indexName);
    requireIndexable(vector, m.spec, 'vector');
    const session = await this.openSession(indexName);
    await this.log.append(m.topic, [this.row(m, session.sessionId, id, encodeVector(vector))]);
    await this.sessions.addStaged(indexName, session.sessionId, 1);
    return { success: true };
  }

  /**
   * Streams the body through a row check into a spool file, then appends the
   * spooled rows: memory stays bounded whatever the body size, and a bad row
   * anywhere means nothing of the request reaches the log.
   */
  async ingestBatch(indexName: string, body: AsyncIterable<Buffer>) {
    const m = await this.index(indexName);
    const session = await this.openSession(indexName);
    const spoolDir = path.join(this.config.dataDir, 'spool');
    fs.mkdirSync(spoolDir, { recursive: true });
    const spool = path.join(spoolDir, `${session.sessionId}-${randomUUID()}.rows`);
    const fd = fs.openSync(spool, 'w');
    let count = 0;
    try {
      try {
        for await (const run of readRows(limitBytes(body, BATCH_BODY_BYTES_MAX), m.spec.dimension, m.spec.metric)) {
          fs.writeSync(fd, run.bytes);
          count += run.ids.length;
        }
      } finally {
        fs.closeSync(fd);
      }
      if (count > 0) await this.appendSpool(m, session.sessionId, spool);
    } catch (err) {
      if (err instanceof BinaryRowError) throw Errors.validation(`body row ${err.row}`, err.rule);
      throw err;
    } finally {
      fs.rmSync(spool, { force: true });
    }
    await this.sessions.addStaged(indexName, session.sessionId, count);
    return { success: true, count };
  }

  private async appendSpool(m: CollectionMaterializer, sessionId: string, spool: string): Promise<void> {
    const size = rowBytes(m.spec.dimension);
    const runRows = Math.max(1, Math.floor(APPEND_RUN_BYTES / size));
    const fd = fs.openSync(spool, 'r');
    const pending: Promise<unknown>[] = [];
    try {
      for (;;) {
        const buf = Buffer.allocUnsafe(runRows * size);
        const read = fs.readSync(fd, buf, 0, buf.length, null);
        if (read === 0) break;
        const records: AppendRecord[] = [];
        for (let at = 0; at + size <= read; at += size) {
          let idLength = 0;
          while (idLength < ID_BYTES && buf[at + idLength] !== 0) idLength++;
          const id = buf.toString('latin1', at, at + idLength);
          records.push(this.row(m, sessionId, id, buf.subarray(at + ID_BYTES, at + size)));
        }
        pending.push(this.log.append(m.topic, records));
        // Two runs in flight: the next one fills while the previous is fsynced.
        if (pending.length >= 2) await pending.shift();
      }
      await Promise.all(pending);
    } finally {
      fs.closeSync(fd);
    }
  }

  private row(m: CollectionMaterializer, sessionId: string, id: string, value: Buffer): AppendRecord {
    return { key: id, value, headers: { [Header.op]: 'upsert', [Header.session]: sessionId }, partition: m.shardOf(id) };
  }

  async finalize(input: FinalizeInput) {
    const req = finalizeRequest(input);
    const m = await this.index(req.indexName);
    const session = await this.openSession(req.indexName);
    if (!(await this.sessions.transition(req.indexName, session.sessionId, 'open', 'finalizing'))) {
      throw Errors.invalidState(`the ingest session of '${req.indexName}' is already being finalized`);
    }
    const command: FinalizeCommand = {
      session: session.sessionId,
      mode: session.mode,
      optimize: req.optimize,
      params: {
        M: req.params.M ?? m.spec.hnsw.M,
        efConstruction: req.params.efConstruction ?? m.spec.hnsw.efConstruction,
        efSearch: req.params.efSearch ?? m.spec.hnsw.efSearch,
        randomSeed: req.params.randomSeed ?? 100,
      },
    };
    // One finalize record per shard: each shard builds what it staged.
    const markers = await this.log.append(
      m.topic,
      Array.from({ length: m.spec.shards }, (_, partition) => ({
        key: session.sessionId,
        value: encodeFinalize(command),
        headers: { [Header.op]: 'finalize' },
        partition,
      })),
    );
    const applied = Promise.all(markers.map((a) => m.applied.waitFor(a.partition, a.offset, this.config.finalizeTimeoutMs)));
    const closeWhenApplied = applied.then(async (ok) => {
      if (!ok.every(Boolean)) return false;
      await this.sessions.close(req.indexName, session.sessionId);
      return true;
    });
    if (!(await closeWhenApplied)) {
      throw Errors.unavailable(`the build of '${req.indexName}' is still running; GET /ingest/status shows its progress`, {
        session_id: session.sessionId,
      });
    }
    return {
      success: true,
      message: `Finalized ingest for index '${req.indexName}' (optimize=${req.optimize})`,
      index_name: req.indexName,
    };
  }

  async status(indexName: string) {
    const m = await this.index(indexName);
    const session = await this.sessions.get(indexName);
    if (!session) return { index_name: indexName, session: null, vectors: m.size };
    const build = m.buildProgress(session.sessionId);
    return {
      index_name: indexName,
      session: {
        session_id: session.sessionId,
        mode: session.mode,
        status: session.status,
        rows_staged: Number(session.rowsStaged),
        build: build ? { rows_indexed: build.indexed, total: build.total } : null,
      },
      vectors: m.size,
    };
  }
}

async function* limitBytes(chunks: AsyncIterable<Buffer>, max: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > max) throw Errors.payloadTooLarge('binary batch body', max, total);
    yield chunk;
  }
}

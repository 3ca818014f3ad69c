// The streams table: definitions with a version bumped by every PUT. Every query
// takes its identifiers as bind parameters.

import type { DataSource, EntityManager } from 'typeorm';
import { returned } from '../sinks/sink-tables.repository';
import type { RateLimitSpec, StoredStream, StreamDefinition } from './stream-definition';

interface StreamRow {
  id: string;
  name: string;
  version: number;
  definition: StreamDefinition;
  rate_limit: RateLimitSpec | null;
  partitions: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, name, version, definition, rate_limit, partitions, created_at, updated_at';

function toStream(r: StreamRow): StoredStream {
  return {
    id: r.id,
    name: r.name,
    version: r.version,
    definition: r.definition,
    rateLimit: r.rate_limit,
    partitions: r.partitions,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class StreamsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Null when the name is taken. */
  async create(s: { id: string; name: string; definition: StreamDefinition; rateLimit: RateLimitSpec | null; partitions: number }): Promise<StoredStream | null> {
    const rows: StreamRow[] = await this.dataSource.query(
      `INSERT INTO streams (id, name, definition, rate_limit, partitions) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5)
       ON CONFLICT (name) DO NOTHING RETURNING ${COLUMNS}`,
      [s.id, s.name, JSON.stringify(s.definition), s.rateLimit === null ? null : JSON.stringify(s.rateLimit), s.partitions],
    );
    return rows[0] ? toStream(rows[0]) : null;
  }

  async get(id: string, manager?: EntityManager): Promise<StoredStream | null> {
    const rows: StreamRow[] = await (manager ?? this.dataSource).query(`SELECT ${COLUMNS} FROM streams WHERE id = $1`, [id]);
    return rows[0] ? toStream(rows[0]) : null;
  }

  async list(): Promise<StoredStream[]> {
    const rows: StreamRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM streams ORDER BY created_at, id`);
    return rows.map(toStream);
  }

  /** A new version of the definition; null when there is no such stream. */
  async update(id: string, definition: StreamDefinition, rateLimit: RateLimitSpec | null): Promise<StoredStream | null> {
    const rows = returned<StreamRow>(await this.dataSource.query(
      `UPDATE streams SET definition = $2::jsonb, rate_limit = $3::jsonb, version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, JSON.stringify(definition), rateLimit === null ? null : JSON.stringify(rateLimit)],
    ));
    return rows[0] ? toStream(rows[0]) : null;
  }

  /** Deletes the stream and the offsets of its destinations' materializers. */
  async delete(id: string): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      const rows = returned(await tx.query(`DELETE FROM streams WHERE id = $1 RETURNING id`, [id]));
      if (rows.length === 0) return false;
      await tx.query(`DELETE FROM materializer_offsets WHERE materializer LIKE $1`, [`stream:${id}:%`]);
      return true;
    });
  }

  /** The delivery log: which pipeline version produced each delivered batch. */
  async recordDelivery(
    tx: EntityManager,
    d: { streamId: string; destination: string; partition: number; firstOffset: bigint; lastOffset: bigint; events: number; pipelineVersion: number },
  ): Promise<void> {
    await tx.query(
      `INSERT INTO stream_deliveries (stream_id, destination, partition, first_offset, last_offset, events, pipeline_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (stream_id, destination, partition, first_offset) DO UPDATE SET last_offset = EXCLUDED.last_offset, events = EXCLUDED.events,
         pipeline_version = EXCLUDED.pipeline_version, delivered_at = now()`,
      [d.streamId, d.destination, d.partition, d.firstOffset.toString(), d.lastOffset.toString(), d.events, d.pipelineVersion],
    );
  }

  async deliveries(streamId: string, limit: number): Promise<{ destination: string; partition: number; first_offset: string; last_offset: string; events: number; pipeline_version: number; delivered_at: Date }[]> {
    return this.dataSource.query(
      `SELECT destination, partition, first_offset, last_offset, events, pipeline_version, delivered_at FROM stream_deliveries
       WHERE stream_id = $1 ORDER BY delivered_at DESC LIMIT $2`,
      [streamId, limit],
    );
  }
}

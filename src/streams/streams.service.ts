// Streams management (/v1/streams) and seed 003's ingest. Data flows one way:
// check the definition → store it (a new version on PUT) → the registry's runners
// pick it up; and for ingest: find the stream → its rate limit → parse and check the
// events → append them to the stream's topic as received (one record per request:
// the events as NDJSON, a single event's body as sent) → answer once durable.

import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Errors, InvalidFormatError } from '../common/errors';
import { LogClient } from '../log/log-client';
import { partitionForKey } from '../log/partitioner';
import { Topics } from '../log/topics';
import { ResourceRateLimiter } from '../auth/resource-rate-limiter';
import type { RateLimitSpec, StoredStream, StreamDefinition } from './stream-definition';
import { checkDefinition } from './stream-definition';
import { parseEventsBody, STREAM_TOPIC_MESSAGE_BYTES_MAX } from './stream-events';
import { StreamMetrics } from './stream-metrics';
import { StreamRegistry } from './stream.registry';
import { StreamsRepository } from './streams.repository';
import { UUID_PATTERN } from './dto/stream-requests';

export const STREAM_PARTITIONS_DEFAULT = 2;
/** How long a node serves ingest from its cached copy of a stream: a deletion or a new rate limit is seen within it. */
export const STREAM_CACHE_MS = 1_000;
const STREAM_CACHE_MAX = 10_000;
const UUID = new RegExp(UUID_PATTERN);

export interface StreamInput {
  name?: string;
  pipeline?: StreamDefinition['pipeline'];
  routes?: StreamDefinition['routes'];
  destinations: StreamDefinition['destinations'];
  rate_limit?: RateLimitSpec;
  partitions?: number;
}

export interface IngestAnswer {
  status: 'accepted';
  ingested_bytes: number;
  stream_id: string;
  /** Batches only: */
  accepted?: number;
  rejected?: { index: number; detail: string }[];
}

export function streamView(s: StoredStream) {
  return {
    id: s.id,
    name: s.name,
    version: s.version,
    pipeline: s.definition.pipeline,
    routes: s.definition.routes,
    destinations: s.definition.destinations,
    rate_limit: s.rateLimit,
    partitions: s.partitions,
    topic: Topics.stream(s.id),
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  };
}

function definitionOf(input: StreamInput): StreamDefinition {
  const d: StreamDefinition = { pipeline: input.pipeline ?? [], routes: input.routes ?? [], destinations: input.destinations };
  checkDefinition(d);
  return d;
}

@Injectable()
export class StreamsService {
  private readonly cache = new Map<string, { stream: StoredStream; expiresAtMs: number }>();
  private readonly limits = new ResourceRateLimiter();

  constructor(
    private readonly repo: StreamsRepository,
    private readonly log: LogClient,
    private readonly registry: StreamRegistry,
    private readonly metrics: StreamMetrics,
  ) {}

  async create(input: StreamInput) {
    const definition = definitionOf(input);
    const id = randomUUID();
    const partitions = input.partitions ?? STREAM_PARTITIONS_DEFAULT;
    await this.log.ensureTopic(Topics.stream(id), partitions, { maxMessageBytes: STREAM_TOPIC_MESSAGE_BYTES_MAX });
    const created = await this.repo.create({ id, name: input.name!, definition, rateLimit: input.rate_limit ?? null, partitions });
    if (!created) {
      await this.log.deleteTopic(Topics.stream(id)).catch(() => undefined);
      throw Errors.conflict('stream', input.name!);
    }
    await this.registry.sync();
    return streamView(created);
  }

  async list() {
    return { streams: (await this.repo.list()).map(streamView) };
  }

  async get(id: string) {
    return streamView(await this.find(id));
  }

  async find(id: string): Promise<StoredStream> {
    const s = await this.repo.get(id);
    if (!s) throw Errors.notFound('stream', id);
    return s;
  }

  async update(id: string, input: StreamInput) {
    const definition = definitionOf(input);
    const updated = await this.repo.update(id, definition, input.rate_limit ?? null);
    if (!updated) throw Errors.notFound('stream', id);
    this.cache.delete(id);
    await this.registry.sync();
    return streamView(updated);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repo.delete(id))) throw Errors.notFound('stream', id);
    this.cache.delete(id);
    await this.registry.sync();
  }

  /** The stream an ingest names, from a cache of at most STREAM_CACHE_MS. */
  private async ingestTarget(header: string | undefined): Promise<StoredStream> {
    if (header === undefined || header === '') throw new InvalidFormatError(400, "The 'X-Stream-Id' header is required.", 'X-Stream-Id');
    const now = Date.now();
    const hit = this.cache.get(header);
    if (hit && hit.expiresAtMs > now) return hit.stream;
    const stream = UUID.test(header) ? await this.repo.get(header) : null;
    if (!stream) throw new InvalidFormatError(404, `The 'X-Stream-Id' header names no stream: '${header.slice(0, 64)}'.`, 'X-Stream-Id');
    if (this.cache.size >= STREAM_CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(header, { stream, expiresAtMs: now + STREAM_CACHE_MS });
    return stream;
  }

  async ingest(streamHeader: string | undefined, mediaType: 'json' | 'ndjson', body: string | undefined, partial: boolean): Promise<IngestAnswer> {
    const stream = await this.ingestTarget(streamHeader);
    // The stream's own limits (per node), on top of the token's.
    this.limits.check('stream', stream.id, stream.name, stream.rateLimit, body === undefined ? 0 : Buffer.byteLength(body));
    const parsed = parseEventsBody(body, mediaType);
    if (parsed.rejected.length > 0 && (!parsed.batch || !partial)) throw new InvalidFormatError(400, parsed.rejected[0].detail);
    const topic = Topics.stream(stream.id);
    let ingested = 0;
    if (parsed.events.length > 0) {
      const text = parsed.batch ? parsed.events.map((e) => e.text).join('\n') : parsed.events[0].text;
      const value = Buffer.from(text);
      ingested = parsed.batch ? value.length - (parsed.events.length - 1) : value.length;
      // One record per request: the micro-batch stays together, in order, in one partition.
      const key = parsed.events[0].source;
      await this.log.append(topic, [{ key, value, partition: partitionForKey(topic, key, stream.partitions), headers: { 'content-type': parsed.batch ? 'application/x-ndjson' : 'application/json' } }]);
      this.metrics.add(stream.id, 'events_in', parsed.events.length);
    }
    if (!parsed.batch) return { status: 'accepted', ingested_bytes: ingested, stream_id: stream.id };
    return { status: 'accepted', ingested_bytes: ingested, stream_id: stream.id, accepted: parsed.events.length, rejected: parsed.rejected };
  }
}


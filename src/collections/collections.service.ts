// The collection use cases (Cosdata's API): create/list/get/delete collections,
// streaming upsert/delete that return once the write is searchable, dense search.
// Data flows one way: validate → embed → append to the log → wait for the
// materializer to apply → answer.

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Errors } from '../common/errors';
import { QueueFullError } from '../common/bounded-queue';
import { CollectionsRepository } from '../database/collections.repository';
import { TEXT_EMBEDDER } from '../embeddings/embedder.provider';
import type { TextEmbedder } from '../embeddings/embedder';
import { AppendRecord, LogClient } from '../log/log-client';
import { Topics } from '../log/topics';
import { partitionForKey } from '../log/partitioner';
import { Header, encodeVector } from './vector-record';
import { CollectionMaterializer } from './collection.materializer';
import { CollectionRegistry } from './collection.registry';
import { CollectionSpec, collectionSpecOf, collectionView } from './collection-spec';
import type { CreateCollectionInput } from './dto/create-collection';
import { UpsertVectorsInput, vectorInputs } from './dto/upsert-vectors';
import { requireIndexable } from './indexable';
import { EmbedderError } from '../embeddings/embedder';
import type { DenseSearchInput } from './dto/search-dense';

@Injectable()
export class CollectionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly log: LogClient,
    private readonly collections: CollectionsRepository,
    private readonly registry: CollectionRegistry,
    @Inject(TEXT_EMBEDDER) private readonly embedder: TextEmbedder,
  ) {}

  async create(input: CreateCollectionInput) {
    const spec = collectionSpecOf(input);
    const created = await this.collections.create(spec);
    await this.log.ensureTopic(Topics.collection(spec.name), spec.shards);
    await this.registry.open(spec);
    return collectionView(spec, created.createdAt);
  }

  async list() {
    const rows = await this.collections.list();
    return { collections: rows.map((r) => collectionView(r, r.createdAt)) };
  }

  async get(name: string) {
    const row = await this.collections.get(name);
    if (!row) throw Errors.notFound('collection', name);
    return collectionView(row, row.createdAt);
  }

  async delete(name: string): Promise<void> {
    const row = await this.collections.get(name);
    if (!row) throw Errors.notFound('collection', name);
    await this.registry.drop(name);
    await this.log.deleteTopic(Topics.collection(name));
    await this.collections.delete(name);
  }

  private async live(name: string): Promise<CollectionMaterializer> {
    const m = await this.registry.find(name);
    if (!m) throw Errors.notFound('collection', name);
    return m;
  }

  async upsert(name: string, input: UpsertVectorsInput): Promise<{ success: true; count: number }> {
    const m = await this.live(name);
    const spec = m.spec;
    const inputs = vectorInputs(input);
    inputs.forEach((v, i) => {
      if (v.values) requireIndexable(v.values, spec, `vectors[${i}].dense_values`);
    });
    const texts = inputs.map((v, i) => ({ ...v, field: `vectors[${i}].text` })).filter((v) => v.text !== null);
    const embedded = texts.length > 0 ? await this.embedTexts(texts.map((t) => t.text as string), spec.dimension, texts.map((t) => t.field)) : [];
    embedded.forEach((v, i) => requireIndexable(v, spec, texts[i].field));
    const vectorsByText = new Map(texts.map((t, i) => [t.id, embedded[i]]));
    const records: AppendRecord[] = inputs.map((v) => {
      const headers: Record<string, string> = { [Header.op]: 'upsert' };
      if (v.metadata) headers[Header.metadata] = JSON.stringify(v.metadata);
      return {
        key: v.id,
        value: encodeVector(v.values ?? (vectorsByText.get(v.id) as Float32Array)),
        headers,
        partition: m.shardOf(v.id),
      };
    });
    await this.appendAndWait(m, spec, records);
    return { success: true, count: records.length };
  }

  private async embedTexts(texts: string[], dimension: number, fields: string[]): Promise<Float32Array[]> {
    try {
      return await this.embedder.embed(texts, dimension);
    } catch (err) {
      if (!(err instanceof EmbedderError)) throw err;
      if (err.code === 'EMPTY_TEXT') throw Errors.validation(fields[(err as { index?: number }).index ?? 0] ?? fields[0], err.message);
      throw Errors.unavailable(`the text embedder failed: ${err.message}`, { embedder: this.embedder.name });
    }
  }

  async deleteVector(name: string, vectorId: string): Promise<void> {
    const m = await this.live(name);
    // Existence is judged against everything the log held when the call arrived.
    await this.waitStrong(m);
    if (!(await m.has(vectorId))) throw Errors.notFound('vector', vectorId);
    await this.appendAndWait(m, m.spec, [
      { key: vectorId, value: null, headers: { [Header.op]: 'delete' }, partition: partitionForKey(m.topic, vectorId, m.spec.shards) },
    ]);
  }

  async search(name: string, q: DenseSearchInput) {
    const m = await this.live(name);
    const byVector = q.query_vector !== undefined && q.query_vector !== null;
    const query = byVector ? (q.query_vector as number[]) : (await this.embedTexts([q.query_text as string], m.spec.dimension, ['query_text']))[0];
    requireIndexable(query, m.spec, byVector ? 'query_vector' : 'query_text');
    try {
      if (q.consistency !== 'strong') return { results: await m.search(query, q.top_k, q.ef_search) };
      return { results: await this.strongSearch(m, query, q.top_k, q.ef_search) };
    } catch (err) {
      if (err instanceof QueueFullError) throw Errors.unavailable(`collection ${m.spec.name} has too many searches waiting`, { queue: err.queue });
      throw err;
    }
  }

  /**
   * A strong search sees every write acknowledged before it arrived. When this node has no
   * write of its own still being applied, the search is sent to the shards at once, while
   * the end offsets are looked up: if what was applied when it was sent already covers
   * them (the usual case for reads), its answer is the strong answer, and the lookup's
   * round trips cost no latency. Otherwise, or when a shard was reopened meanwhile (its
   * index fell back to a checkpoint), it waits for the ends and searches again.
   */
  private async strongSearch(m: CollectionMaterializer, query: Float32Array | number[], topK: number, ef?: number) {
    const sent = m.settledReadState();
    if (sent) {
      const lookup = this.log.endOffsets(m.topic);
      const speculative = m.search(query, topK, ef);
      const [looked, answered] = await Promise.allSettled([lookup, speculative]);
      if (looked.status === 'rejected') throw looked.reason;
      const ends = m.readableEnds(looked.value);
      if (answered.status === 'fulfilled' && m.covers(sent, ends)) return answered.value;
      await this.waitStrong(m, ends);
    } else {
      await this.waitStrong(m);
    }
    return m.search(query, topK, ef);
  }

  private async waitStrong(m: CollectionMaterializer, known?: Map<number, bigint>): Promise<void> {
    const ends = known ?? m.readableEnds(await this.log.endOffsets(m.topic));
    if (!(await m.applied.waitForEnds(ends, this.config.applyTimeoutMs))) {
      throw Errors.unavailable(`collection ${m.spec.name} has not applied the log within ${this.config.applyTimeoutMs} ms`, {
        lag: m.applied.lag(ends).toString(),
      });
    }
  }

  private async appendAndWait(m: CollectionMaterializer, spec: CollectionSpec, records: AppendRecord[]): Promise<void> {
    const startedAtMs = Date.now();
    // Back-pressure: when a shard's apply falls behind, appends wait instead of piling up.
    if (!(await m.admit(new Set(records.map((r) => r.partition as number)), this.config.applyTimeoutMs, startedAtMs))) {
      throw Errors.unavailable(`collection ${spec.name} is applying a backlog; nothing was appended, retry later`);
    }
    const appended = await this.log.append(m.topic, records);
    const lastByPartition = new Map<number, bigint>();
    for (const a of appended) {
      const prev = lastByPartition.get(a.partition);
      if (prev === undefined || a.offset > prev) lastByPartition.set(a.partition, a.offset);
    }
    for (const [p, offset] of lastByPartition) m.noteAppended(p, offset);
    const applied = await Promise.all(
      [...lastByPartition].map(([p, offset]) => m.applied.waitFor(p, offset, this.config.applyTimeoutMs, startedAtMs)),
    );
    if (!applied.every(Boolean)) {
      // Durably in the log but not yet visible: say so, with where it is.
      throw Errors.unavailable(`write to ${spec.name} is in the log but not yet applied after ${this.config.applyTimeoutMs} ms`, {
        offsets: Object.fromEntries([...lastByPartition].map(([p, o]) => [p, o.toString()])),
      });
    }
  }
}

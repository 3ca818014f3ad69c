// The collections table: definitions only. Vectors live in the log and the HNSW
// indexes; this is what a node reads at start to know which collections to serve.

import { DataSource, EntityManager } from 'typeorm';
import { Errors } from '../common/errors';
import { CollectionEntity } from './collection.entity';
import { insertUnique } from './insert-unique';

export type NewCollection = Omit<CollectionEntity, 'createdAt' | 'description'> & { description?: string | null };

export class CollectionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Throws Errors.conflict('collection', name) when the name is taken. */
  async create(collection: NewCollection, manager?: EntityManager): Promise<CollectionEntity> {
    const repo = (manager ?? this.dataSource.manager).getRepository(CollectionEntity);
    const row = repo.create({
      name: collection.name,
      description: collection.description ?? null,
      dimension: collection.dimension,
      metric: collection.metric,
      hnsw: collection.hnsw,
      shards: collection.shards,
    });
    await insertUnique(repo, row, () => Errors.conflict('collection', collection.name));
    return row;
  }

  async get(name: string): Promise<CollectionEntity | null> {
    return this.dataSource.getRepository(CollectionEntity).findOneBy({ name });
  }

  async list(): Promise<CollectionEntity[]> {
    return this.dataSource.getRepository(CollectionEntity).find({ order: { name: 'ASC' } });
  }

  /** Returns false when there was no such collection. */
  async delete(name: string, manager?: EntityManager): Promise<boolean> {
    const result = await (manager ?? this.dataSource.manager).getRepository(CollectionEntity).delete({ name });
    return (result.affected ?? 0) > 0;
  }
}

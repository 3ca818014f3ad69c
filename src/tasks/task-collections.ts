// The two collections upsertion tasks fill exist from the first start: created here
// when missing (name and dimension from AppConfig.tasks, metric cosine, the node's
// embedder), and from then on ordinary collections, served by the collections API.
// Several nodes starting at once may race to create them; the loser finds the
// winner's collection and serves it.

import { Logger } from '@nestjs/common';
import { ConflictError } from '../common/errors';
import type { CollectionsService } from '../collections/collections.service';
import type { TasksConfig } from '../config/config';
import type { TaskTarget } from './task-states';

export function collectionOf(config: TasksConfig, target: TaskTarget): string {
  return target === 'categories' ? config.categoriesCollection.name : config.defaultCollection.name;
}

export async function ensureTaskCollections(config: TasksConfig, collections: CollectionsService): Promise<void> {
  const logger = new Logger('TaskCollections');
  for (const c of [config.defaultCollection, config.categoriesCollection]) {
    try {
      await collections.get(c.name);
      continue;
    } catch {
      // not there yet: create it
    }
    try {
      await collections.create({ name: c.name, description: 'Filled by upsertion tasks', dense_vector: { enabled: true, dimension: c.dimension }, metric: 'cosine', shards: 1 });
      logger.log(`created collection ${c.name} (${c.dimension}-d, cosine) for upsertion tasks`);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
}

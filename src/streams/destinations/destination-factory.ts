// Builds the destination of a spec. Paths on disk are made from checked names only.

import path from 'node:path';
import type { CollectionsService } from '../../collections/collections.service';
import type { LogClient } from '../../log/log-client';
import type { DestinationSpec } from '../stream-definition';
import { CollectionDestination } from './collection.destination';
import type { StreamDestination } from './destination';
import { FileDestination } from './file.destination';
import { TableDestination } from './table.destination';
import { TopicDestination } from './topic.destination';
import { WebhookDestination } from './webhook.destination';

export interface DestinationDeps {
  log: LogClient;
  collections: CollectionsService;
  dataDir: string;
}

export function createDestination(streamId: string, spec: DestinationSpec, deps: DestinationDeps): StreamDestination {
  switch (spec.type) {
    case 'table':
      return new TableDestination(spec);
    case 'collection':
      return new CollectionDestination(spec, deps.collections);
    case 'topic':
      return new TopicDestination(spec, deps.log);
    case 'webhook':
      return new WebhookDestination(spec);
    case 'file':
      return new FileDestination(spec, path.join(deps.dataDir, 'streams', streamId, spec.name));
  }
}

// `collection`: the event's text field is embedded and upserted into a collection
// under its id field, with the event (or its metadata_field) as metadata, through
// the collection's own write path (CollectionsService: validate, embed, append to
// the collection's log, wait until applied). Upserts are idempotent by id, so a
// batch retried after a crash leaves one vector per id. An event without a usable
// id or text, or one the collection refuses, is filed with the rule it broke.

import { IngestErrorReason, NotFoundError, ValidationError } from '../../common/errors';
import { recordIdViolation } from '../../common/identifiers';
import type { CollectionsService } from '../../collections/collections.service';
import type { UpsertVectorItem } from '../../collections/dto/upsert-vectors';
import { TEXT_CHARS_MAX } from '../../collections/dto/upsert-vectors';
import { getPath, splitPath } from '../event-paths';
import type { DestinationSpec } from '../stream-definition';
import type { DeliveryContext, DeliveryItem, StreamDestination } from './destination';

type CollectionSpec = Extract<DestinationSpec, { type: 'collection' }>;

export class CollectionDestination implements StreamDestination {
  readonly name: string;
  private readonly idPath: string[];
  private readonly textPath: string[];
  private readonly metadataPath: string[] | null;

  constructor(
    private readonly spec: CollectionSpec,
    private readonly collections: CollectionsService,
  ) {
    this.name = spec.name;
    this.idPath = splitPath(spec.id_field);
    this.textPath = splitPath(spec.text_field);
    this.metadataPath = spec.metadata_field ? splitPath(spec.metadata_field) : null;
  }

  async deliver(items: DeliveryItem[], context: DeliveryContext): Promise<number> {
    // Latest wins per id (log order), as a collection's own upsert would have it.
    const byId = new Map<string, { item: DeliveryItem; vector: UpsertVectorItem }>();
    for (const item of items) {
      const rawId = getPath(item.event, this.idPath);
      const id = typeof rawId === 'number' ? String(rawId) : rawId;
      const idProblem = typeof id === 'string' ? recordIdViolation(id) : `is required and must be a string (got ${rawId === undefined ? 'nothing' : typeof rawId})`;
      if (idProblem) {
        context.fail(item.ref, IngestErrorReason.INVALID_RECORD, `${this.spec.id_field}: ${idProblem}`);
        continue;
      }
      const text = getPath(item.event, this.textPath);
      if (typeof text !== 'string' || text.length === 0 || text.length > TEXT_CHARS_MAX) {
        context.fail(item.ref, IngestErrorReason.INVALID_RECORD, `${this.spec.text_field}: must be a non-empty string of at most ${TEXT_CHARS_MAX} characters`);
        continue;
      }
      const meta = this.metadataPath ? getPath(item.event, this.metadataPath) : item.event;
      const metadata = typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? (meta as Record<string, unknown>) : null;
      byId.delete(id as string);
      byId.set(id as string, { item, vector: { id: id as string, text, metadata } });
    }
    let pending = [...byId.values()];
    // A refused vector is named by its index: file it and send the rest again.
    while (pending.length > 0) {
      try {
        await this.collections.upsert(this.spec.collection, { vectors: pending.map((p) => p.vector) });
        return pending.length;
      } catch (err) {
        if (err instanceof NotFoundError) {
          for (const p of pending) context.fail(p.item.ref, IngestErrorReason.TARGET_MISSING, `collection '${this.spec.collection}' does not exist`);
          return 0;
        }
        const index = err instanceof ValidationError ? /^vectors\[(\d+)\]/.exec(err.field ?? '')?.[1] : undefined;
        if (index === undefined) {
          if (err instanceof ValidationError) {
            for (const p of pending) context.fail(p.item.ref, IngestErrorReason.INVALID_RECORD, err.message);
            return 0;
          }
          throw err; // unavailable or unexpected: the batch is retried
        }
        const [bad] = pending.splice(Number(index), 1);
        context.fail(bad.item.ref, IngestErrorReason.INVALID_RECORD, err instanceof Error ? err.message : String(err));
      }
    }
    return 0;
  }

  async close(): Promise<void> {}
}

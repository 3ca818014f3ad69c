// `table`: each event is validated against a sink table through the destination's
// paths, exactly like a sink record (sinks/record-validator.ts), and upserted by id
// in the runner's transaction: rows and offsets commit together, so a table gets
// each event once however often the log is replayed.

import type { EntityManager } from 'typeorm';
import { IngestErrorReason } from '../../common/errors';
import { CachedRecordValidator, readTable, RowCandidate, writeRows } from '../../sinks/table-row-writer';
import { splitPath } from '../event-paths';
import type { DestinationSpec } from '../stream-definition';
import type { DeliveryContext, DeliveryItem, EventRef, StreamDestination } from './destination';

type TableSpec = Extract<DestinationSpec, { type: 'table' }>;

export class TableDestination implements StreamDestination {
  readonly name: string;
  private readonly validator: CachedRecordValidator;

  constructor(private readonly spec: TableSpec) {
    this.name = spec.name;
    this.validator = new CachedRecordValidator(
      {
        fields: spec.fields ? spec.fields.map((f) => ({ column: f.column, path: splitPath(f.path) })) : null,
        idPath: splitPath(spec.id_field),
        allowMissingFields: spec.allow_missing_fields ?? true,
      },
      `destination ${spec.name}`,
    );
  }

  async deliver(items: DeliveryItem[], context: DeliveryContext): Promise<number> {
    if (items.length === 0) return 0;
    const tx = context.transaction as EntityManager;
    const table = await readTable(tx, this.spec.table);
    if (!table) {
      for (const i of items) context.fail(i.ref, IngestErrorReason.TARGET_MISSING, `table '${this.spec.table}' does not exist`);
      return 0;
    }
    const found = this.validator.for(table);
    if ('problem' in found) {
      for (const i of items) context.fail(i.ref, IngestErrorReason.TARGET_MISSING, found.problem);
      return 0;
    }
    const candidates: RowCandidate<EventRef>[] = [];
    for (const item of items) {
      const verdict = found.validator.check(item.event);
      if (verdict.ok) candidates.push({ ref: item.ref, row: verdict.row });
      else context.fail(item.ref, IngestErrorReason.INVALID_RECORD, verdict.message);
    }
    const written = await writeRows(tx, table, found.validator, candidates, (ref, reason, message) => context.fail(ref, reason, message));
    return written.length;
  }

  async close(): Promise<void> {}
}

// A collection's definition as stored. The shape matches the collections domain's
// CollectionSpec (plus createdAt), so a row can be handed to it as is.

import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type CollectionMetric = 'cosine' | 'l2' | 'ip';

export interface HnswParams {
  M: number;
  efConstruction: number;
  efSearch: number;
}

@Entity({ name: 'collections' })
export class CollectionEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'int' })
  dimension!: number;

  @Column({ type: 'text' })
  metric!: CollectionMetric;

  @Column({ type: 'jsonb' })
  hnsw!: HnswParams;

  /** Partitions of the collection's topic. */
  @Column({ type: 'int' })
  shards!: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;
}

// Which partition (shard) a key lands in. Intake uses Kafka's Java default —
// murmur2(key) mod partitions, the same as kafkajs's DefaultPartitioner — so a
// vector id always lives in one shard, whoever produced it. librdkafka clients
// (kcat) must set `partitioner=murmur2_random` to agree; docs/topics.md says so.
import { PartitionMetadata, Partitioners } from 'kafkajs';

const defaultPartitioner = Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, PartitionMetadata[]>();

export function partitionForKey(topic: string, key: string, partitionCount: number): number {
  let partitionMetadata = metadataCache.get(partitionCount);
  if (!partitionMetadata) {
    partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      partitionErrorCode: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
    }));
    metadataCache.set(partitionCount, partitionMetadata);
  }
  return defaultPartitioner({ topic, partitionMetadata, message: { key, value: null } });
}

// Topic names are part of Intake's interface: people produce to them directly.
// One topic per collection / sink / stream, one for task commands.

export const TOPIC_PREFIX = 'intake.';

export const Topics = {
  collection: (name: string): string => `${TOPIC_PREFIX}collection.${name}`,
  sink: (id: string): string => `${TOPIC_PREFIX}sink.${id}`,
  stream: (id: string): string => `${TOPIC_PREFIX}stream.${id}`,
  tasks: `${TOPIC_PREFIX}tasks`,
} as const;

/** Consumer-group ids are per node: every node materializes the collections it serves in full. */
export function materializerGroupId(nodeId: string, topic: string): string {
  return `intake.${nodeId}.materializer.${topic}`;
}

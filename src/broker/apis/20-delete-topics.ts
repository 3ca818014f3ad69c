// DeleteTopics (key 20), versions 0-3.
// v0: topic names. v1: throttle_time_ms. v2, v3: same as v1.
// Deletion is immediate: the partition directories and the topic's committed offsets go.
// SASL: a principal that may not administer is TOPIC_AUTHORIZATION_FAILED for every topic.
// ACLs (SASL principals): DELETE on the topic, else TOPIC_AUTHORIZATION_FAILED.
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { ApiHandler } from './handler';

export const deleteTopics: ApiHandler = {
  apiKey: 20,
  minVersion: 0,
  maxVersion: 3,
  async handle(request, ctx) {
    const { cluster } = ctx;
    const responses = [];
    for (const name of request.topic_names as string[]) {
      if (!topicAuthorized(ctx, OPERATION.DELETE, name)) {
        responses.push({ name, error_code: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
        continue;
      }
      try {
        await cluster.deleteTopic(name);
        responses.push({ name, error_code: ErrorCode.NONE });
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        responses.push({ name, error_code: err.code });
      }
    }
    return { throttle_time_ms: 0, responses };
  },
};

// AlterConfigs (key 33), versions 0-1.
// v0: resources with their full config set, validate_only. v1: same as v0 (throttling order).
// Not incremental, as in Kafka: the configs sent replace every config set on the topic, and
// those left out return to the broker default. Values are checked as CreateTopics checks
// them (topic-config.ts); a name Kafka does not know, or a value it would refuse, is INVALID_CONFIG.
// Changes are persisted with the topic list and apply to existing partitions at once.
// Not implemented: broker configs (static; set when the broker starts) → INVALID_REQUEST.
// SASL: a principal that may not administer is TOPIC_AUTHORIZATION_FAILED for every topic.
// ACLs (SASL principals): ALTER_CONFIGS on the topic, else TOPIC_AUTHORIZATION_FAILED.
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode, KafkaError } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { RESOURCE_TYPE } from './32-describe-configs';
import { ApiHandler } from './handler';

export const alterConfigs: ApiHandler = {
  apiKey: 33,
  minVersion: 0,
  maxVersion: 1,
  handle(request, ctx) {
    const { cluster } = ctx;
    const responses = (request.resources as Message[]).map((res) => {
      const result = (error_code: number, error_message: string | null) => ({
        resource_type: res.resource_type,
        resource_name: res.resource_name,
        error_code,
        error_message,
      });
      if (res.resource_type !== RESOURCE_TYPE.TOPIC) {
        return result(ErrorCode.INVALID_REQUEST, `only topic configs can be altered on the embedded broker (resource type ${res.resource_type})`);
      }
      if (!topicAuthorized(ctx, OPERATION.ALTER_CONFIGS, res.resource_name)) return result(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'this principal may not alter topic configs');
      try {
        cluster.alterTopicConfigs(res.resource_name, res.configs as { name: string; value: string | null }[], Boolean(request.validate_only));
        return result(ErrorCode.NONE, null);
      } catch (err) {
        if (err instanceof KafkaError) return result(err.code, err.message);
        throw err;
      }
    });
    return { throttle_time_ms: 0, responses };
  },
};

// DescribeConfigs (key 32), versions 0-3.
// v0: name, value, read_only, is_default, is_sensitive. v1: include_synonyms; config_source
// and synonyms replace is_default. v2: same as v1 (throttling order). v3: include_documentation;
// config_type and documentation.
// Topics (resource type 2) list Kafka 2.4's whole topic catalogue (topic-config.ts: those this
// broker acts on, and the ones it only stores) with their values, set (DYNAMIC_TOPIC_CONFIG)
// or default (DEFAULT_CONFIG); synonyms as Kafka 2.4 lists them (the topic's value, then the
// broker default only where the broker config has the same name). The broker (type 4, name ""
// or this node's id) lists its static limits under Kafka's broker config names, read-only.
// Not implemented: broker loggers (type 8) → INVALID_REQUEST.
// ACLs (SASL principals): DESCRIBE_CONFIGS on a topic, else TOPIC_AUTHORIZATION_FAILED.
import { OPERATION } from '../acls';
import { topicAuthorized } from './authorize';
import { ErrorCode } from '../protocol/errors';
import { Message } from '../protocol/schema';
import { DescribedConfig, describeBrokerConfigs, describeTopicConfigs } from '../topic-config';
import { ApiHandler } from './handler';

export const RESOURCE_TYPE = { TOPIC: 2, BROKER: 4 } as const;

export const describeConfigs: ApiHandler = {
  apiKey: 32,
  minVersion: 0,
  maxVersion: 3,
  handle(request, ctx) {
    const { cluster } = ctx;
    const includeSynonyms = Boolean(request.include_synonyms);
    const includeDocumentation = Boolean(request.include_documentation);
    const results = (request.resources as Message[]).map((res) => {
      const base = { resource_type: res.resource_type, resource_name: res.resource_name, configs: [] as Message[] };
      const fail = (error_code: number, error_message: string) => ({ ...base, error_code, error_message });
      const names = res.configuration_keys as string[] | null;
      let configs: DescribedConfig[];
      let readOnly = false;
      if (res.resource_type === RESOURCE_TYPE.TOPIC) {
        if (!topicAuthorized(ctx, OPERATION.DESCRIBE_CONFIGS, res.resource_name)) {
          return fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, `this principal may not describe the configs of '${res.resource_name}'`);
        }
        const topic = cluster.topics.get(res.resource_name);
        if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic '${res.resource_name}' does not exist`);
        configs = describeTopicConfigs(topic.overrides, cluster.options, names);
      } else if (res.resource_type === RESOURCE_TYPE.BROKER) {
        if (res.resource_name !== '' && res.resource_name !== String(cluster.options.nodeId)) {
          return fail(ErrorCode.INVALID_REQUEST, `unexpected broker id ${res.resource_name}: this is node ${cluster.options.nodeId}`);
        }
        configs = describeBrokerConfigs(cluster.options, names);
        readOnly = true;
      } else {
        return fail(ErrorCode.INVALID_REQUEST, `resource type ${res.resource_type} is not supported by the embedded broker`);
      }
      return {
        ...base,
        error_code: ErrorCode.NONE,
        error_message: null,
        configs: configs.map((c) => ({
          name: c.name,
          value: c.value,
          read_only: readOnly,
          is_default: c.isDefault,
          config_source: c.source,
          is_sensitive: false,
          synonyms: includeSynonyms ? c.synonyms : [],
          config_type: c.type,
          documentation: includeDocumentation ? c.documentation : null,
        })),
      };
    });
    return { throttle_time_ms: 0, results };
  },
};

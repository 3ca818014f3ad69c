// InitProducerId (key 22). Field facts from Apache Kafka's InitProducerIdRequest.json /
// InitProducerIdResponse.json, trimmed to the versions this broker serves (0-1).
import { MessageSpec, field } from '../schema';

export const InitProducerIdRequest: MessageSpec = {
  apiKey: 22,
  name: 'InitProducerIdRequest',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    // null for idempotent-only producers
    field('transactional_id', 'string', '0+', { nullableVersions: '0+' }),
    field('transaction_timeout_ms', 'int32', '0+'),
  ],
};

export const InitProducerIdResponse: MessageSpec = {
  apiKey: 22,
  name: 'InitProducerIdResponse',
  validVersions: '0-1',
  flexibleVersions: '2+',
  fields: [
    field('throttle_time_ms', 'int32', '0+'),
    field('error_code', 'int16', '0+'),
    field('producer_id', 'int64', '0+', { default: -1n }),
    field('producer_epoch', 'int16', '0+'),
  ],
};

// Request handlers of src/broker/apis called directly against a Cluster on a temp dir:
// what each answers, without a socket in between (the e2e specs cover the wire).
import { API_HANDLERS } from '../../src/broker/apis';
import { ApiHandler, RequestContext } from '../../src/broker/apis/handler';
import { Cluster } from '../../src/broker/cluster';
import { resolveBrokerOptions } from '../../src/broker/config';
import { ErrorCode } from '../../src/broker/protocol/errors';
import { Message } from '../../src/broker/protocol/schema';
import { tempDir } from '../support/broker';

const handler = (apiKey: number): ApiHandler => {
  const h = API_HANDLERS.find((x) => x.apiKey === apiKey);
  if (!h) throw new Error(`no handler for key ${apiKey}`);
  return h;
};

describe('broker API handlers', () => {
  let cluster: Cluster;
  let dataDir: string;

  const open = (): Cluster => new Cluster(resolveBrokerOptions({ dataDir, port: 0 }));
  const call = async (apiKey: number, version: number, request: Message): Promise<Message> => {
    const context: RequestContext = {
      version,
      clientId: 'unit',
      clientHost: '127.0.0.1',
      connectionId: 1,
      cluster,
      supportedVersions: () => API_HANDLERS.map((h) => ({ api_key: h.apiKey, min_version: h.minVersion, max_version: h.maxVersion })),
    };
    return (await handler(apiKey).handle(request, context)) as Message;
  };

  beforeEach(() => {
    dataDir = tempDir('apis');
    cluster = open();
  });

  afterEach(() => cluster.close());

  describe('OffsetCommit / OffsetFetch', () => {
    test('a null committed_metadata is stored and fetched as "", like Apache Kafka', async () => {
      cluster.createTopic('t', 2, []);
      const commit = await call(8, 7, {
        group_id: 'g',
        generation_id_or_member_epoch: -1,
        member_id: '',
        group_instance_id: null,
        topics: [
          {
            name: 't',
            partitions: [
              { partition_index: 0, committed_offset: 5n, committed_leader_epoch: -1, committed_metadata: null },
              { partition_index: 1, committed_offset: 6n, committed_leader_epoch: -1, committed_metadata: 'kept' },
            ],
          },
        ],
      });
      expect(commit.topics[0].partitions.map((p: Message) => p.error_code)).toEqual([0, 0]);
      const fetchBoth = async (): Promise<unknown[]> => {
        const fetched = await call(9, 5, { group_id: 'g', topics: [{ name: 't', partition_indexes: [0, 1] }], require_stable: false });
        return fetched.topics[0].partitions.map((p: Message) => [p.partition_index, p.committed_offset, p.metadata]);
      };
      expect(await fetchBoth()).toEqual([
        [0, 5n, ''],
        [1, 6n, 'kept'],
      ]);
      // And after a restart, from the durable store.
      cluster.close();
      cluster = open();
      expect(await fetchBoth()).toEqual([
        [0, 5n, ''],
        [1, 6n, 'kept'],
      ]);
    });
  });

  describe('FindCoordinator', () => {
    test('a group coordinator is this node', async () => {
      const r = await call(10, 2, { key: 'g', key_type: 0 });
      expect(r.error_code).toBe(ErrorCode.NONE);
      expect(r.node_id).toBe(0);
    });

    test('a transaction coordinator is refused with a non-retriable INVALID_REQUEST', async () => {
      const r = await call(10, 2, { key: 'tx-1', key_type: 1 });
      expect(r.error_code).toBe(ErrorCode.INVALID_REQUEST);
      expect(r.error_message).toMatch(/transactions are not supported/);
      expect(r.node_id).toBe(-1);
    });
  });
});

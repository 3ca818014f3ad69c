// ACLs on the embedded broker through kafkajs 2.2.4's admin, over TCP with SASL/PLAIN:
// an administrator creates, describes and deletes ACLs; a SASL principal is refused a topic an
// ACL denies it and allowed one it grants; ACLs survive a broker restart; an unauthenticated
// connection (SASL optional) is not subject to them.
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, KafkaConfig, ResourcePatternTypes, logLevel } from 'kafkajs';
import { BrokerSasl, Principal, RunningBroker } from '../../src/broker';
import { startTestBroker, tempDir } from '../support/broker';

jest.setTimeout(90_000);

const everything: Principal = { name: 'everything', mayProduce: () => true, mayAdmin: () => true };
const users: Record<string, Principal> = { testtest: everything, bobbob: { ...everything, mayAdmin: () => false } };
const sasl: BrokerSasl = { required: false, authenticate: async (_username, password) => users[password] ?? null };

function client(broker: RunningBroker, auth: { username: string; password: string } | null): Kafka {
  const config: KafkaConfig = { clientId: 'acl-test', brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 } };
  if (auth) config.sasl = { mechanism: 'plain', ...auth };
  return new Kafka(config);
}

const aclOn = (topic: string, principal: string, operation: AclOperationTypes, permissionType: AclPermissionTypes) => ({
  resourceType: AclResourceTypes.TOPIC,
  resourceName: topic,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal,
  host: '*',
  operation,
  permissionType,
});

describe('embedded broker ACLs with kafkajs', () => {
  const dataDir = tempDir('broker-acls');
  let broker: RunningBroker;

  beforeAll(async () => {
    broker = await startTestBroker({ sasl }, dataDir);
  });
  afterAll(async () => broker.stop());

  it('createAcls / describeAcls / deleteAcls; a denied principal cannot produce; ACLs survive a restart', async () => {
    const admin = client(broker, { username: 'test', password: 'testtest' }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'acl-allowed' }, { topic: 'acl-denied' }] });
    await expect(
      admin.createAcls({
        acl: [
          aclOn('acl-denied', 'User:bob', AclOperationTypes.WRITE, AclPermissionTypes.DENY),
          aclOn('acl-allowed', 'User:bob', AclOperationTypes.WRITE, AclPermissionTypes.ALLOW),
        ],
      }),
    ).resolves.toBe(true);
    const described = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.DENY,
    });
    expect(described.resources).toEqual([
      {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: 'acl-denied',
        resourcePatternType: ResourcePatternTypes.LITERAL,
        acls: [{ principal: 'User:bob', host: '*', operation: AclOperationTypes.WRITE, permissionType: AclPermissionTypes.DENY }],
      },
    ]);

    const bob = client(broker, { username: 'bob', password: 'bobbob' }).producer();
    await bob.connect();
    await expect(bob.send({ topic: 'acl-allowed', messages: [{ value: 'hello' }] })).resolves.toHaveLength(1);
    await expect(bob.send({ topic: 'acl-denied', messages: [{ value: 'whoops' }] })).rejects.toThrow(/authoriz/i);
    // bob may not administer: creating ACLs is refused (CLUSTER_AUTHORIZATION_FAILED).
    const bobAdmin = client(broker, { username: 'bob', password: 'bobbob' }).admin();
    await bobAdmin.connect();
    await expect(bobAdmin.createAcls({ acl: [aclOn('acl-denied', 'User:bob', AclOperationTypes.ALL, AclPermissionTypes.ALLOW)] })).rejects.toThrow(/authoriz/i);
    await bobAdmin.disconnect();
    // An unauthenticated connection (SASL optional on loopback) keeps full access.
    const anonymous = client(broker, null).producer();
    await anonymous.connect();
    await expect(anonymous.send({ topic: 'acl-denied', messages: [{ value: 'anonymous' }] })).resolves.toHaveLength(1);
    await anonymous.disconnect();
    await bob.disconnect();
    await admin.disconnect();

    await broker.stop();
    broker = await startTestBroker({ sasl }, dataDir);
    const admin2 = client(broker, { username: 'test', password: 'testtest' }).admin();
    await admin2.connect();
    const bob2 = client(broker, { username: 'bob', password: 'bobbob' }).producer();
    await bob2.connect();
    await expect(bob2.send({ topic: 'acl-denied', messages: [{ value: 'after restart' }] })).rejects.toThrow(/authoriz/i);
    const deleted = await admin2.deleteAcls({
      filters: [
        {
          resourceType: AclResourceTypes.ANY,
          resourcePatternType: ResourcePatternTypes.ANY,
          principal: 'User:bob',
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        },
      ],
    });
    expect(deleted.filterResponses[0].matchingAcls.map((a) => a.resourceName).sort()).toEqual(['acl-allowed', 'acl-denied']);
    await expect(bob2.send({ topic: 'acl-denied', messages: [{ value: 'allowed again' }] })).resolves.toHaveLength(1);
    await bob2.disconnect();
    await admin2.disconnect();
  });
});

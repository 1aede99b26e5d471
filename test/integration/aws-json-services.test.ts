import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../src/adapters/aws-lite/aws-json-service.ts';
import { isConditionFailure, isDefiniteRejection } from '../../src/adapters/dynamodb/attributes.ts';
import type { DynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { openDynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { openSqs, type Sqs } from '../../src/adapters/sqs/sqs.ts';
import { freePort } from '../support/free-port.ts';
import { type AwsResources, type LocalAws, localClientConfig, startLocalAws } from '../support/local-aws.ts';

// One dynalite and one fauxqs for both services' tests.
describe('aws-lite JSON services against the local stand-ins', () => {
  let aws: LocalAws;
  let resources: AwsResources;

  beforeAll(async () => {
    aws = await startLocalAws();
    resources = await aws.createResources();
  });
  afterAll(() => aws.stop());

  describe('DynamoDB through aws-lite, against dynalite', () => {
    let db: DynamoDb;

    beforeAll(() => {
      db = openDynamoDb(localClientConfig(aws.dynamodbEndpoint));
    });

    it('writes, updates, queries and reads back DynamoDB JSON as it is', async () => {
      const TableName = resources.ledgerTable;
      const item = {
        pk: { S: 'T#round-trip' },
        n: { N: '12.5' },
        flag: { BOOL: true },
        nothing: { NULL: true },
        list: { L: [{ S: 'a' }, { N: '1' }] },
        map: { M: { nested: { S: 'é✓' } } },
        saleShard: { S: 'round-trip#0' },
      };
      await db.send('PutItem', { TableName, Item: item });
      const updated = await db.send('UpdateItem', {
        TableName,
        Key: { pk: item.pk },
        UpdateExpression: 'SET n = n + :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      });
      expect(updated.Attributes).toEqual({ ...item, n: { N: '13.5' } });
      const { Item } = await db.send('GetItem', { TableName, Key: { pk: item.pk }, ConsistentRead: true });
      expect(Item).toEqual({ ...item, n: { N: '13.5' } });
      const page = await db.send('Query', {
        TableName,
        IndexName: 'bySale',
        KeyConditionExpression: 'saleShard = :shard',
        ExpressionAttributeValues: { ':shard': { S: 'round-trip#0' } },
        Select: 'COUNT',
      });
      expect(page.Count).toBe(1);
      await db.send('DeleteItem', { TableName, Key: { pk: item.pk } });
      expect((await db.send('GetItem', { TableName, Key: { pk: item.pk }, ConsistentRead: true })).Item).toBe(
        undefined,
      );
    });

    it('names a false condition by its code, with the 400 DynamoDB answered', async () => {
      const TableName = resources.ledgerTable;
      await db.send('PutItem', { TableName, Item: { pk: { S: 'T#taken' } } });
      const refused = await db
        .send('PutItem', {
          TableName,
          Item: { pk: { S: 'T#taken' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(AwsServiceError);
      expect(refused).toMatchObject({ name: 'ConditionalCheckFailedException', statusCode: 400 });
      expect(isConditionFailure(refused)).toBe(true);
      expect(isDefiniteRejection(refused)).toBe(true);
    });

    it('names a request DynamoDB rejects (unknown table) without a namespace', async () => {
      const missing = await db
        .send('GetItem', { TableName: 'no-such-table', Key: { pk: { S: 'x' } } })
        .catch((error: unknown) => error);
      expect(missing).toMatchObject({ name: 'ResourceNotFoundException', statusCode: 400 });
      expect(String((missing as Error).message)).toContain('GetItem');
    });

    it('tells a call that got no answer from one DynamoDB refused: ambiguous, not a rejection', async () => {
      const nobody = openDynamoDb(localClientConfig(`http://127.0.0.1:${await freePort()}`));
      const failure = await nobody
        .send('GetItem', { TableName: resources.ledgerTable, Key: { pk: { S: 'x' } } })
        .catch((error: unknown) => error);
      expect(failure).toMatchObject({ name: 'NetworkingError', statusCode: undefined });
      expect(isDefiniteRejection(failure)).toBe(false);
      expect(isConditionFailure(failure)).toBe(false);
    }, 20_000);
  });

  describe('SQS through aws-lite, against fauxqs', () => {
    let sqs: Sqs;

    beforeAll(() => {
      sqs = openSqs(localClientConfig(aws.fauxqs.address));
    });

    it('sends a message with its attributes and receives it with its receive count', async () => {
      const sent = await sqs.send('SendMessage', {
        QueueUrl: resources.queueUrl,
        MessageBody: '{"id":"r-1"}',
        MessageAttributes: { topic: { DataType: 'String', StringValue: 'reservation.created' } },
      });
      const { Messages = [] } = await sqs.send('ReceiveMessage', {
        QueueUrl: resources.queueUrl,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      });
      expect(Messages).toHaveLength(1);
      expect(Messages[0]).toMatchObject({
        MessageId: sent.MessageId,
        Body: '{"id":"r-1"}',
        MessageAttributes: { topic: { DataType: 'String', StringValue: 'reservation.created' } },
        Attributes: { ApproximateReceiveCount: '1' },
      });
      await sqs.send('DeleteMessage', {
        QueueUrl: resources.queueUrl,
        ReceiptHandle: Messages[0]!.ReceiptHandle!,
      });
      const { Attributes } = await sqs.send('GetQueueAttributes', {
        QueueUrl: resources.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      });
      expect(Attributes).toEqual({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
    });

    it('names a queue that does not exist by its code, with the 400', async () => {
      const missing = await sqs
        .send('SendMessage', { QueueUrl: `${resources.queueUrl}-missing`, MessageBody: 'x' })
        .catch((error: unknown) => error);
      expect(missing).toBeInstanceOf(AwsServiceError);
      expect(missing).toMatchObject({ name: 'QueueDoesNotExist', statusCode: 400 });
      expect(isDefiniteRejection(missing)).toBe(true);
    });
  });
});

import type { TaskTokens } from '../../ports/order-workflow.ts';
import { S } from './attributes.ts';
import type { DynamoDb } from './dynamo-db.ts';

const TOKEN_ATTRIBUTE = 'paymentTaskToken';

/**
 * Task tokens on the order's own item in the orders table (one attribute),
 * so no table is added for them. The order record exists by the time the
 * workflow waits (it confirms first), hence the condition: a token for an
 * order nobody recorded is a fault, not something to create.
 */
export class DynamoTaskTokens implements TaskTokens {
  readonly #db: DynamoDb;
  readonly #table: string;

  constructor(client: DynamoDb, tableName: string) {
    this.#db = client;
    this.#table = tableName;
  }

  async save(orderId: string, token: string): Promise<void> {
    await this.#db.send('UpdateItem', {
      TableName: this.#table,
      Key: { orderId: S(orderId) },
      UpdateExpression: 'SET #token = :token',
      ConditionExpression: 'attribute_exists(orderId)',
      ExpressionAttributeNames: { '#token': TOKEN_ATTRIBUTE },
      ExpressionAttributeValues: { ':token': S(token) },
    });
  }

  async find(orderId: string): Promise<string | undefined> {
    const { Item: item } = await this.#db.send('GetItem', {
      TableName: this.#table,
      Key: { orderId: S(orderId) },
      ProjectionExpression: '#token',
      ExpressionAttributeNames: { '#token': TOKEN_ATTRIBUTE },
      ConsistentRead: true,
    });
    return item?.[TOKEN_ATTRIBUTE]?.S;
  }
}

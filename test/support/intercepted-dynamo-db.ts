import type { DynamoDb, DynamoDbOperation } from '../../src/adapters/dynamodb/dynamo-db.ts';

export interface DynamoCall {
  readonly operation: DynamoDbOperation;
  readonly input: Record<string, unknown>;
}

/**
 * A DynamoDB connection whose every call goes through `intercept` first:
 * it may throw instead of calling, or call (`next`) and then throw, the
 * way a throttled request or a lost answer would.
 */
export function interceptDynamoDb(
  inner: DynamoDb,
  intercept: (call: DynamoCall, next: () => Promise<unknown>) => Promise<unknown>,
): DynamoDb {
  return {
    send: async (operation, input) =>
      (await intercept({ operation, input: { ...input } }, () => inner.send(operation, input))) as Awaited<
        ReturnType<typeof inner.send<typeof operation>>
      >,
  };
}

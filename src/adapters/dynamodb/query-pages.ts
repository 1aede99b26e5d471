import type { QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { Item } from './attributes.ts';
import type { DynamoDb, DynamoDbOperations } from './dynamo-db.ts';

/** Every page of a query, following `LastEvaluatedKey` until there is none. */
async function* queryPages(
  db: DynamoDb,
  input: QueryCommandInput,
): AsyncGenerator<DynamoDbOperations['Query']['output']> {
  let start: Item | undefined;
  do {
    const page = await db.send('Query', { ...input, ExclusiveStartKey: start });
    yield page;
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
}

/** Every item a query matches, over all its pages. */
export async function queryAll(db: DynamoDb, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of queryPages(db, input)) items.push(...(page.Items ?? []));
  return items;
}

/** How many items a query matches, over all its pages, without reading them. */
export async function countAll(db: DynamoDb, input: QueryCommandInput): Promise<number> {
  let count = 0;
  for await (const page of queryPages(db, { ...input, Select: 'COUNT' })) count += page.Count ?? 0;
  return count;
}

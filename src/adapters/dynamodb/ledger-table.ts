import { type Item, S } from './attributes.ts';
import type { DynamoDb } from './dynamo-db.ts';

/** The ledger table as each part of the ledger uses it: the client, the table's name, one-item reads. */
export class LedgerTable {
  readonly db: DynamoDb;
  readonly name: string;

  constructor(db: DynamoDb, name: string) {
    this.db = db;
    this.name = name;
  }

  /** The item with partition key `pk`, read consistently; only the `projection` attributes if given. */
  async item(pk: string, projection?: string): Promise<Item | undefined> {
    const { Item: item } = await this.db.send('GetItem', {
      TableName: this.name,
      Key: { pk: S(pk) },
      ConsistentRead: true,
      ...(projection === undefined ? {} : { ProjectionExpression: projection }),
    });
    return item;
  }
}

import type { CreateTableCommandInput, GlobalSecondaryIndex, ProjectionType } from '@aws-sdk/client-dynamodb';

/**
 * The two DynamoDB tables of the AWS shape, in one place: the adapters use
 * the key and index names, the tests create the tables from these inputs, and
 * the CDK stack (infra/) declares the same keys and indexes.
 *
 * Ledger table (partition key `pk` only), one item per:
 *   S#<sale>            the sale as defined (immutable), with its shard count
 *   S#<sale>#<n>        stock shard n: `stock` units left, a `g:<reservation>` mark per unfinished release
 *   U#<sale>#<user>     the shopper's units held or paid (`units`), one `h:<reservation>` hold each
 *   K#<user>#<key>      the idempotency claim: which reservation the key stands for
 *   R#<reservation>     the reservation (the durable truth), with its unsent event, if any, and
 *                       what its release has still to do (`restock`, `releaseLeaseUntil`)
 */
export const LEDGER_KEY = 'pk';

export const LEDGER_INDEX = {
  /** Every sale, oldest first (sparse: sale items only). */
  sales: { name: 'sales', partitionKey: 'saleList', sortKey: 'createdAt' },
  /** Reservations of a sale, spread over the sale's shards: `<sale>#<n>`. */
  bySale: { name: 'bySale', partitionKey: 'saleShard', sortKey: 'pk' },
  /** Held reservations by payment deadline (sparse: removed when paid or released). */
  due: { name: 'due', partitionKey: 'dueBucket', sortKey: 'dueAt' },
  /** Reservations whose last event is not confirmed sent to the queue (sparse). */
  outbox: { name: 'outbox', partitionKey: 'outboxBucket', sortKey: 'outboxAt' },
} as const;

/** Orders table: partition key `orderId`; one order per reservation. */
export const ORDERS_KEY = 'orderId';
export const ORDERS_INDEX = {
  bySale: { name: 'bySale', partitionKey: 'saleId', sortKey: 'orderId' },
} as const;

/** Buckets of the `due` and `outbox` indexes: spread writes, queried all at once by the sweeper. */
export const SWEEP_BUCKETS = 16;

export function ledgerTableInput(tableName: string): CreateTableCommandInput {
  const { sales, bySale, due, outbox } = LEDGER_INDEX;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: LEDGER_KEY, KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: LEDGER_KEY, AttributeType: 'S' },
      { AttributeName: sales.partitionKey, AttributeType: 'S' },
      { AttributeName: sales.sortKey, AttributeType: 'N' },
      { AttributeName: bySale.partitionKey, AttributeType: 'S' },
      { AttributeName: due.partitionKey, AttributeType: 'S' },
      { AttributeName: due.sortKey, AttributeType: 'N' },
      { AttributeName: outbox.partitionKey, AttributeType: 'S' },
      { AttributeName: outbox.sortKey, AttributeType: 'N' },
    ],
    GlobalSecondaryIndexes: [sales, bySale, due, outbox].map((def) => globalIndex(def, 'ALL')),
  };
}

export function ordersTableInput(tableName: string): CreateTableCommandInput {
  const { bySale } = ORDERS_INDEX;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: ORDERS_KEY, KeyType: 'HASH' }],
    AttributeDefinitions: [
      { AttributeName: ORDERS_KEY, AttributeType: 'S' },
      { AttributeName: bySale.partitionKey, AttributeType: 'S' },
    ],
    GlobalSecondaryIndexes: [globalIndex(bySale, 'KEYS_ONLY')],
  };
}

function globalIndex(
  def: { readonly name: string; readonly partitionKey: string; readonly sortKey: string },
  projection: ProjectionType,
): GlobalSecondaryIndex {
  return {
    IndexName: def.name,
    KeySchema: [
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
      { AttributeName: def.sortKey, KeyType: 'RANGE' },
    ],
    Projection: { ProjectionType: projection },
  };
}

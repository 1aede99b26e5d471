import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RETRYABLE_CODE_ATTEMPTS } from '../../src/adapters/aws-lite/aws-json-service.ts';
import type { DynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { openDynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { DynamoOrderStore } from '../../src/adapters/dynamodb/dynamo-order-store.ts';
import { DynamoStockLedger } from '../../src/adapters/dynamodb/dynamo-stock-ledger.ts';
import { NothingTaken } from '../../src/adapters/dynamodb/sharded-stock.ts';
import { auditSale } from '../../src/app/audit.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import type { Sale } from '../../src/domain/sale.ts';
import { noMetrics } from '../../src/ports/metrics.ts';
import { type AwsResources, type LocalAws, localClientConfig, startLocalAws } from '../support/local-aws.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RegionConflictProxy, type SeenCall } from '../support/region-conflict-proxy.ts';

// On a global table with multi-Region strong consistency, a write to an item another Region is
// writing at that moment fails with ReplicatedWriteConflictException (nothing applied, retryable).
// The hot items are the stock shards: purchases in every Region decrement them.
describe('the DynamoDB ledger when another Region writes the same stock shard', () => {
  let aws: LocalAws;
  let proxy: RegionConflictProxy;
  let resources: AwsResources;
  let client: DynamoDb;
  let ledger: DynamoStockLedger;
  let deps: AppDeps;
  const clock = new ManualClock();

  beforeAll(async () => {
    aws = await startLocalAws();
    resources = await aws.createResources();
    proxy = await RegionConflictProxy.start(aws.dynamodbEndpoint);
    // The client's retry policy, as in the Lambda functions.
    client = openDynamoDb(localClientConfig(proxy.endpoint));
    ledger = new DynamoStockLedger({
      client,
      tableName: resources.ledgerTable,
      stockShards: 2,
      relay: async () => {},
      // The first shard probed is shard 0.
      random: () => 0,
    });
    deps = {
      ledger,
      orders: new DynamoOrderStore(client, resources.ordersTable),
      queue: undefined as never,
      clock,
      metrics: noMetrics,
      purchaseLimiter: undefined,
    };
  });
  afterEach(() => {
    proxy.conflicts = () => false;
    proxy.refused.length = 0;
  });
  afterAll(async () => {
    await proxy.stop();
    await aws.stop();
  });

  async function newSale(stock: number, perUserLimit = 1): Promise<Sale> {
    const now = clock.now();
    const sale: Sale = {
      id: `sale-${Math.random().toString(36).slice(2)}`,
      sku: 'SKU',
      name: 'Sale',
      stock,
      startsAt: now - 1000,
      endsAt: now + 3_600_000,
      perUserLimit,
      priceCents: 100,
      currency: 'EUR',
      paymentWindowSeconds: 60,
      purchaseToken: false,
      createdAt: now,
    };
    await ledger.openSale(sale);
    return sale;
  }
  const reserve = (saleId: string, userId: string, key: string, quantity = 1) =>
    ledger.reserve({ saleId, userId, quantity, idempotencyKey: key, now: clock.now() });
  const decrementOf = (saleId: string, shard?: number) => (call: SeenCall) =>
    call.operation === 'UpdateItem' &&
    String(call.input.UpdateExpression).startsWith('SET stock = stock -') &&
    JSON.stringify(call.input.Key).startsWith(`{"pk":{"S":"S#${saleId}#${shard ?? ''}`);
  async function shardStock(saleId: string, shard: number): Promise<number> {
    const { Item } = await client.send('GetItem', {
      TableName: resources.ledgerTable,
      Key: { pk: { S: `S#${saleId}#${shard}` } },
      ConsistentRead: true,
    });
    return Number(Item?.stock?.N);
  }

  it('lands a decrement the client retried past a short conflict, once', async () => {
    const sale = await newSale(4);
    let left = 2;
    const shard0 = decrementOf(sale.id, 0);
    proxy.conflicts = (call) => shard0(call) && left-- > 0;
    expect((await reserve(sale.id, 'ann', 'k')).kind).toBe('reserved');
    // Two attempts refused, the client's third landed on the same shard.
    expect(proxy.refused).toHaveLength(2);
    expect([await shardStock(sale.id, 0), await shardStock(sale.id, 1)]).toEqual([1, 2]);
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 3, held: 1 });
  });

  it('passes over a shard another Region keeps busy and takes the units from another', async () => {
    const sale = await newSale(4);
    proxy.conflicts = decrementOf(sale.id, 0);
    const result = await reserve(sale.id, 'bob', 'k');
    expect(result.kind).toBe('reserved');
    // The client tried shard 0 as often as its retry policy allows; the ledger then went on to shard 1.
    expect(proxy.refused).toHaveLength(RETRYABLE_CODE_ATTEMPTS);
    expect([await shardStock(sale.id, 0), await shardStock(sale.id, 1)]).toEqual([2, 1]);
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 3, held: 1 });
  });

  it('gathers a quantity no busy-free shard holds from the shards it can reach, or refuses with nothing taken', async () => {
    const sale = await newSale(4, 3);
    proxy.conflicts = decrementOf(sale.id, 0);
    // 3 units: shard 1 has 2, shard 0 (busy) has 2. Nothing can be gathered without shard 0.
    await expect(reserve(sale.id, 'cat', 'k', 3)).rejects.toBeInstanceOf(NothingTaken);
    expect([await shardStock(sale.id, 0), await shardStock(sale.id, 1)]).toEqual([2, 2]);
    // Not a false sold_out: the key and the limit were released, and the retry the 503 asks for
    // (same key) takes exactly 3 units once the other Region is done.
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 4, held: 0 });
    proxy.conflicts = () => false;
    const retried = await reserve(sale.id, 'cat', 'k', 3);
    expect(retried.kind).toBe('reserved');
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 1, held: 3 });
    expect((await reserve(sale.id, 'cat', 'other')).kind).toBe('limit_exceeded');
  });

  it('answers sold_out only when the shards are really empty, even while they are busy', async () => {
    const sale = await newSale(1);
    expect((await reserve(sale.id, 'dan', 'k')).kind).toBe('reserved');
    proxy.conflicts = decrementOf(sale.id);
    // The sold_out comes from the consistent read of the levels, not from the refused writes.
    expect((await reserve(sale.id, 'eve', 'k')).kind).toBe('sold_out');
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 0, held: 1 });
  });
});

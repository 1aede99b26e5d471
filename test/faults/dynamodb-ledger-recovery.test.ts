import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../src/adapters/aws-lite/aws-json-service.ts';
import type { DynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { openDynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { DynamoOrderStore } from '../../src/adapters/dynamodb/dynamo-order-store.ts';
import { DynamoStockLedger } from '../../src/adapters/dynamodb/dynamo-stock-ledger.ts';
import { auditSale } from '../../src/app/audit.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import type { Sale } from '../../src/domain/sale.ts';
import { noMetrics } from '../../src/ports/metrics.ts';
import type { ReserveResult } from '../../src/ports/stock-ledger.ts';
import { interceptDynamoDb } from '../support/intercepted-dynamo-db.ts';
import { type AwsResources, type LocalAws, localClientConfig, startLocalAws } from '../support/local-aws.ts';
import { ManualClock } from '../support/manual-clock.ts';

/** Makes the next matching DynamoDB call fail the way the store or the network would. */
type Fault = { when: (command: string, input: Record<string, unknown>) => boolean; error: () => Error };

function definiteRejection(): Error {
  return new AwsServiceError(
    'ProvisionedThroughputExceededException',
    'Throughput exceeds the current capacity',
    400,
  );
}

function ambiguousFailure(): Error {
  return new AwsServiceError('NetworkingError', 'socket hang up', undefined);
}

const writesReservation = (command: string, input: Record<string, unknown>) =>
  command === 'PutItem' && JSON.stringify(input).includes('"pk":{"S":"R#');

describe('the DynamoDB ledger when a write fails or its writer dies', () => {
  let aws: LocalAws;
  let resources: AwsResources;
  let client: DynamoDb;
  const faults: Fault[] = [];
  const wall = { now: Date.now() };
  const clock = new ManualClock();
  const sent: string[] = [];
  let ledger: DynamoStockLedger;
  let deps: AppDeps;

  beforeAll(async () => {
    aws = await startLocalAws();
    resources = await aws.createResources();
    const store = openDynamoDb(localClientConfig(aws.dynamodbEndpoint));
    client = interceptDynamoDb(store, ({ operation, input }, next) => {
      const index = faults.findIndex((f) => f.when(operation, input));
      if (index >= 0) throw faults.splice(index, 1)[0]!.error();
      return next();
    });
    ledger = new DynamoStockLedger({
      client,
      tableName: resources.ledgerTable,
      stockShards: 2,
      relay: async (topic) => {
        sent.push(topic);
      },
      claimLeaseMs: 30_000,
      claimWaitMs: 200,
      wallClock: () => wall.now,
    });
    const orders = new DynamoOrderStore(client, resources.ordersTable);
    deps = {
      ledger,
      orders,
      queue: undefined as never,
      clock,
      metrics: noMetrics,
      purchaseLimiter: undefined,
    };
  });
  afterAll(async () => {
    await aws.stop();
  });

  async function newSale(stock: number, perUserLimit = 2): Promise<Sale> {
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

  const reserve = (saleId: string, userId: string, key: string, quantity = 1): Promise<ReserveResult> =>
    ledger.reserve({ saleId, userId, quantity, idempotencyKey: key, now: clock.now() });

  async function claimExists(userId: string, key: string): Promise<boolean> {
    const { Item } = await client.send('GetItem', {
      TableName: resources.ledgerTable,
      Key: { pk: { S: `K#${userId}#${key}` } },
      ConsistentRead: true,
    });
    return Item !== undefined;
  }

  it('undoes every step when DynamoDB refuses the reservation write: units, limit and key all come back', async () => {
    const sale = await newSale(2, 1);
    faults.push({ when: writesReservation, error: definiteRejection });
    await expect(reserve(sale.id, 'ann', 'k')).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
    });
    expect(await auditSale(deps, sale.id)).toMatchObject({
      ok: true,
      available: 2,
      held: 0,
      reservations: 0,
    });
    expect(await claimExists('ann', 'k')).toBe(false);
    // The retry the 503 asks for: same key, and the limit of 1 is free again.
    expect((await reserve(sale.id, 'ann', 'k')).kind).toBe('reserved');
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 1, held: 1 });
  });

  it('never gives units back on an ambiguous failure; the key is cleared once its lease is over', async () => {
    const sale = await newSale(3);
    faults.push({ when: writesReservation, error: ambiguousFailure });
    await expect(reserve(sale.id, 'bob', 'k')).rejects.toMatchObject({ name: 'NetworkingError' });
    // The writer may be alive: a retry within the lease waits, then answers with a fault (503: retry).
    await expect(reserve(sale.id, 'bob', 'k')).rejects.toThrow(/still in progress/);
    // The lease is over: the claim and the hold are cleared and the retry decides afresh.
    wall.now += 31_000;
    const retried = await reserve(sale.id, 'bob', 'k');
    expect(retried.kind).toBe('reserved');
    // The unit the dead request took stays off sale rather than risk selling it twice; the audit says so.
    const audit = await auditSale(deps, sale.id);
    expect(audit).toMatchObject({ ok: false, initial: 3, available: 1, held: 1 });
    expect(audit.violations.map((v) => v.code)).toEqual(['stock_not_conserved']);
  });

  it('frees a shopper held at the limit by a request that died, on their next purchase', async () => {
    const sale = await newSale(5, 1);
    faults.push({ when: writesReservation, error: ambiguousFailure });
    await expect(reserve(sale.id, 'cat', 'first')).rejects.toThrow();
    // A different key: the dead hold still counts while its lease runs...
    expect((await reserve(sale.id, 'cat', 'second')).kind).toBe('limit_exceeded');
    wall.now += 31_000;
    // ...and is reaped after it.
    expect((await reserve(sale.id, 'cat', 'third')).kind).toBe('reserved');
    wall.now += 31_000;
    // A hold whose reservation exists is kept (and marked confirmed), however old.
    expect((await reserve(sale.id, 'cat', 'fourth')).kind).toBe('limit_exceeded');
    const { Item } = await client.send('GetItem', {
      TableName: resources.ledgerTable,
      Key: { pk: { S: `U#${sale.id}#cat` } },
      ConsistentRead: true,
    });
    const holds = Object.entries(Item!).filter(([name]) => name.startsWith('h:'));
    expect(holds).toHaveLength(1);
    expect(holds[0]![1].M?.until?.N).toBe(String(Number.MAX_SAFE_INTEGER));
    const audit = await auditSale(deps, sale.id);
    expect(audit.held).toBe(1);
    expect(audit.violations.map((v) => v.code)).not.toContain('user_over_limit');
  });

  it('undoes the key and the limit when the store refuses the decrement itself', async () => {
    const sale = await newSale(2, 1);
    faults.push({
      when: (command, input) =>
        command === 'UpdateItem' && String(input.UpdateExpression).startsWith('SET stock = stock -'),
      error: definiteRejection,
    });
    await expect(reserve(sale.id, 'dan', 'k')).rejects.toThrow();
    expect(await claimExists('dan', 'k')).toBe(false);
    expect((await reserve(sale.id, 'dan', 'k')).kind).toBe('reserved');
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 1, held: 1 });
  });

  it('keeps the event on the reservation when the queue is down, and the sweeper sends it once', async () => {
    const sale = await newSale(2);
    const failing = new DynamoStockLedger({
      client,
      tableName: resources.ledgerTable,
      stockShards: 2,
      relay: () => Promise.reject(new Error('SQS unavailable')),
      wallClock: () => wall.now,
    });
    const result = await failing.reserve({
      saleId: sale.id,
      userId: 'eve',
      quantity: 1,
      idempotencyKey: 'k',
      now: clock.now(),
    });
    expect(result.kind).toBe('reserved');
    sent.length = 0;
    expect(await ledger.relayUnsentEvents(clock.now() + 10_000)).toBeGreaterThanOrEqual(1);
    expect(sent).toContain('reservation.created');
    expect(await ledger.relayUnsentEvents(clock.now() + 10_000)).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../src/adapters/aws-lite/aws-json-service.ts';
import type { DynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { openDynamoDb } from '../../src/adapters/dynamodb/dynamo-db.ts';
import { DynamoOrderStore } from '../../src/adapters/dynamodb/dynamo-order-store.ts';
import { DynamoStockLedger } from '../../src/adapters/dynamodb/dynamo-stock-ledger.ts';
import { auditSale } from '../../src/app/audit.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { cancelOrder, type OrderView } from '../../src/app/orders.ts';
import { FlashSaleError } from '../../src/domain/errors.ts';
import type { Sale } from '../../src/domain/sale.ts';
import { noMetrics } from '../../src/ports/metrics.ts';
import { interceptDynamoDb } from '../support/intercepted-dynamo-db.ts';
import { type AwsResources, type LocalAws, localClientConfig, startLocalAws } from '../support/local-aws.ts';
import { ManualClock } from '../support/manual-clock.ts';

/**
 * A DynamoDB client that fails the Nth call after it is armed: either
 * refused before anything was applied (throttled: a definite failure), or
 * applied and then its answer lost (a time-out after the write: ambiguous).
 */
class FailingNthCall {
  #countdown = 0;
  #mode: 'refused' | 'answer_lost' = 'refused';
  fired: string | undefined;

  arm(n: number, mode: 'refused' | 'answer_lost'): void {
    this.#countdown = n;
    this.#mode = mode;
    this.fired = undefined;
  }

  disarm(): void {
    this.#countdown = 0;
  }

  wrap(inner: DynamoDb): DynamoDb {
    return interceptDynamoDb(inner, async ({ operation, input }, next) => {
      if (this.#countdown === 0 || --this.#countdown > 0) return next();
      this.fired = `${operation} ${JSON.stringify(input).slice(0, 160)}`;
      if (this.#mode === 'refused') {
        throw new AwsServiceError(
          'ThrottlingException',
          'Rate of requests exceeds the allowed throughput',
          400,
        );
      }
      await next();
      throw new AwsServiceError('NetworkingError', 'socket hang up', undefined);
    });
  }
}

describe('a DynamoDB release that fails at any one of its writes', () => {
  let aws: LocalAws;
  let resources: AwsResources;
  let client: DynamoDb;
  const fault = new FailingNthCall();
  const wall = { now: Date.now() };
  const clock = new ManualClock();
  const unfinished: unknown[] = [];
  const calls: Record<string, number> = {};
  let ledger: DynamoStockLedger;
  let deps: AppDeps;

  beforeAll(async () => {
    aws = await startLocalAws();
    resources = await aws.createResources();
    client = fault.wrap(openDynamoDb(localClientConfig(aws.dynamodbEndpoint)));
    ledger = new DynamoStockLedger({
      client,
      tableName: resources.ledgerTable,
      stockShards: 2,
      relay: async () => {},
      wallClock: () => wall.now,
      onUnfinishedRelease: (error) => unfinished.push(error),
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
  afterAll(async () => {
    await aws.stop();
  });

  async function newSale(): Promise<Sale> {
    const now = clock.now();
    const sale: Sale = {
      id: `sale-${Math.random().toString(36).slice(2)}`,
      sku: 'SKU',
      name: 'Sale',
      stock: 4,
      startsAt: now - 1000,
      endsAt: now + 3_600_000,
      perUserLimit: 2,
      priceCents: 100,
      currency: 'EUR',
      paymentWindowSeconds: 60,
      purchaseToken: false,
      createdAt: now,
    };
    await ledger.openSale(sale);
    return sale;
  }

  async function item(pk: string): Promise<Record<string, unknown>> {
    const { Item } = await client.send('GetItem', {
      TableName: resources.ledgerTable,
      Key: { pk: { S: pk } },
      ConsistentRead: true,
    });
    return Item ?? {};
  }

  async function cancel(orderId: string, userId: string): Promise<OrderView | FlashSaleError> {
    try {
      return await cancelOrder(deps, orderId, { userId, isAdmin: false });
    } catch (error) {
      if (error instanceof FlashSaleError) return error;
      throw error;
    }
  }

  /** Buys 2 units (the shopper's whole limit), cancels with the Nth call failing, recovers, checks. */
  async function cancelFailingAt(n: number, mode: 'refused' | 'answer_lost'): Promise<boolean> {
    const sale = await newSale();
    const user = `u${n}${mode}`;
    const bought = await ledger.reserve({
      saleId: sale.id,
      userId: user,
      quantity: 2,
      idempotencyKey: 'first',
      now: clock.now(),
    });
    if (bought.kind !== 'reserved') throw new Error(`could not buy: ${bought.kind}`);
    const { orderId, id: reservationId } = bought.reservation;

    fault.arm(n, mode);
    const answer = await cancel(orderId, user);
    fault.disarm();
    const fired = fault.fired;

    const applied = (await ledger.getReservation(reservationId))!.state === 'released';
    if (answer instanceof FlashSaleError) {
      // Only a failure of a read or of the write that marks the release: retry. Refused, it changed nothing;
      // with its answer lost, the mark may have landed.
      expect(answer.code).toBe('backend_unavailable');
      if (mode === 'refused') expect(applied).toBe(false);
      // The retry the 503 asks for answers cancelled (and finishes whatever the first attempt left).
      expect(await cancel(orderId, user)).toMatchObject({ status: 'cancelled' });
    } else {
      // The release is recorded: cancelled is the true answer, even though a later write failed.
      expect(answer).toMatchObject({ status: 'cancelled' });
      expect(applied).toBe(true);
    }

    // The sweeper's next run finishes whatever is left.
    await ledger.relayUnsentEvents(clock.now() + 10_000);

    const audit = await auditSale(deps, sale.id);
    expect(audit, `fault at call ${n} (${mode}): ${fired}`).toMatchObject({
      ok: true,
      initial: 4,
      available: 4,
      held: 0,
      violations: [],
    });
    const reservationItem = await item(`R#${reservationId}`);
    expect(reservationItem.restock).toBeUndefined();
    for (const shard of [0, 1]) {
      const marks = Object.keys(await item(`S#${sale.id}#${shard}`)).filter((a) => a.startsWith('g:'));
      expect(marks).toEqual([]);
    }
    const holds = Object.keys(await item(`U#${sale.id}#${user}`)).filter((a) => a.startsWith('h:'));
    expect(holds).toEqual([]);
    // The shopper's limit is free again: the whole limit can be bought once more.
    const again = await ledger.reserve({
      saleId: sale.id,
      userId: user,
      quantity: 2,
      idempotencyKey: 'second',
      now: clock.now(),
    });
    expect(again.kind).toBe('reserved');
    return fired !== undefined;
  }

  for (const mode of ['refused', 'answer_lost'] as const) {
    it(`conserves units, drops the hold and answers cancel truthfully whichever call is ${mode}`, async () => {
      let n = 1;
      // Every call of cancel in turn, until one cancel runs through without reaching the Nth call.
      while (await cancelFailingAt(n, mode)) n++;
      calls[mode] = n;
      // find, read, mark released, give back, record, drop mark, drop hold, finish, clear the event flag.
      expect(n).toBeGreaterThanOrEqual(9);
      expect(unfinished.length).toBeGreaterThan(0);
    });
  }

  it('leaves a release whose writer may still be at it alone until its lease runs out', async () => {
    const sale = await newSale();
    const bought = await ledger.reserve({
      saleId: sale.id,
      userId: 'lease',
      quantity: 1,
      idempotencyKey: 'k',
      now: clock.now(),
    });
    if (bought.kind !== 'reserved') throw new Error(bought.kind);
    // The third call of the release is the give-back: refused; the give-up of the lease is refused too.
    fault.arm(3, 'refused');
    const stuck = new DynamoStockLedger({
      client,
      tableName: resources.ledgerTable,
      stockShards: 2,
      relay: async () => {},
      wallClock: () => wall.now,
      onUnfinishedRelease: () => fault.arm(1, 'refused'),
    });
    expect((await stuck.release(bought.reservation.id, 'cancelled', clock.now())).kind).toBe('released');
    fault.disarm();
    await ledger.relayUnsentEvents(clock.now() + 10_000);
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: false, available: 3 });
    wall.now += 15 * 60_000 + 1;
    await ledger.relayUnsentEvents(clock.now() + 10_000);
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 4, held: 0 });
  });

  it('gives the units back once when several sweepers finish the same release at the same time', async () => {
    const sale = await newSale();
    const bought = await ledger.reserve({
      saleId: sale.id,
      userId: 'race',
      quantity: 2,
      idempotencyKey: 'k',
      now: clock.now(),
    });
    if (bought.kind !== 'reserved') throw new Error(bought.kind);
    fault.arm(3, 'refused'); // the give-back
    expect((await ledger.release(bought.reservation.id, 'expired', clock.now())).kind).toBe('released');
    fault.disarm();
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: false, available: 2 });
    const sweepers = Array.from(
      { length: 4 },
      () =>
        new DynamoStockLedger({
          client,
          tableName: resources.ledgerTable,
          stockShards: 2,
          relay: async () => {},
          wallClock: () => wall.now,
        }),
    );
    await Promise.all(sweepers.map((s) => s.relayUnsentEvents(clock.now() + 10_000)));
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 4, held: 0 });
  });
});

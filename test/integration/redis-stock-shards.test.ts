import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { auditSale } from '../../src/app/audit.ts';
import type { AppDeps } from '../../src/app/deps.ts';
import { cancelOrder } from '../../src/app/orders.ts';
import { purchase } from '../../src/app/purchase.ts';
import { createSale } from '../../src/app/sales.ts';
import type { Backend } from '../../src/ports/backend.ts';
import { systemClock } from '../../src/ports/clock.ts';
import { noMetrics } from '../../src/ports/metrics.ts';
import {
  openTestClusterBackend,
  sharedRedisUrl,
  sharedServicesAvailable,
} from '../support/cluster-services.ts';

const available = await sharedServicesAvailable();

describe.skipIf(!available)('a sale whose stock is split over Redis shards', () => {
  const opened: Backend[] = [];
  afterEach(async () => {
    for (const backend of opened.splice(0)) await backend.close();
  });

  async function setUp(stock: number, shards: number) {
    const prefix = `flashsale-test:shards-${Math.random().toString(36).slice(2)}:`;
    const backend = await openTestClusterBackend({ stockShards: shards, redisPrefix: prefix });
    opened.push(backend);
    const deps: AppDeps = { ...backend, clock: systemClock, metrics: noMetrics, purchaseLimiter: undefined };
    const now = Date.now();
    const sale = await createSale(deps, {
      sku: 'SHARDS',
      name: 'Sharded',
      stock,
      startsAt: now - 1000,
      endsAt: now + 60_000,
      perUserLimit: 3,
      priceCents: 100,
      currency: 'EUR',
      paymentWindowSeconds: 60,
      purchaseToken: false,
    });
    const redis = new Redis(sharedRedisUrl);
    opened.push({ ...backend, close: async () => redis.disconnect() });
    const levels = async () =>
      (await redis.mget(...Array.from({ length: shards }, (_, n) => `${prefix}stock:{${sale.id}:${n}}`))).map(
        Number,
      );
    return { deps, sale, levels };
  }

  it('takes a purchase bigger than any one shard from several, and gives the units back where they came from', async () => {
    const { deps, sale, levels } = await setUp(3, 3);
    expect(await levels()).toEqual([1, 1, 1]);
    const bought = await purchase(deps, { saleId: sale.id, userId: 'ann', quantity: 2, idempotencyKey: 'a' });
    expect((await levels()).reduce((a, b) => a + b)).toBe(1);
    expect((await levels()).filter((n) => n === 0)).toHaveLength(2);
    await cancelOrder(deps, bought.reservation.orderId, { userId: 'ann', isAdmin: false });
    expect(await levels()).toEqual([1, 1, 1]);
  });

  it('spreads buyers over the shards and says sold out only when every shard is empty', async () => {
    const { deps, sale, levels } = await setUp(40, 4);
    const outcomes = [];
    for (let i = 0; i < 41; i++) {
      outcomes.push(
        await purchase(deps, { saleId: sale.id, userId: `u${i}`, quantity: 1, idempotencyKey: 'k' }).then(
          () => 'reserved',
          (error: { code: string }) => error.code,
        ),
      );
      // Random first shards: long before the end, more than one shard has been drawn down.
      if (i === 19) expect((await levels()).filter((n) => n < 10).length).toBeGreaterThan(1);
    }
    expect(outcomes.slice(0, 40).every((o) => o === 'reserved')).toBe(true);
    expect(outcomes[40]).toBe('sold_out');
    expect(await levels()).toEqual([0, 0, 0, 0]);
    expect(await auditSale(deps, sale.id)).toMatchObject({ ok: true, available: 0, held: 40 });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import type { Sale } from '../../src/domain/sale.ts';
import type { Backend } from '../../src/ports/backend.ts';
import { openTestClusterBackend, sharedServicesAvailable } from '../support/cluster-services.ts';
import { saleFixture } from '../support/fixtures.ts';

const available = await sharedServicesAvailable();

/**
 * A sold-out sale's holdings are read in HSCAN pages of about 1,000 holders:
 * every holder and every unit must come back whatever page it sits in, once,
 * and released units must not.
 */
describe.skipIf(!available)("a Redis ledger's holdings of a large sale", () => {
  let backend: Backend;
  afterAll(async () => {
    await backend?.close();
  });

  it('lists every holder and unit across pages, once, without the released ones', async () => {
    backend = await openTestClusterBackend({
      redisPrefix: `flashsale-test:holdings-${Math.random().toString(36).slice(2)}:`,
    });
    const now = Date.now();
    const sale: Sale = {
      ...saleFixture,
      id: `holdings-${now}`,
      stock: 7_600,
      startsAt: now - 1000,
      endsAt: now + 60_000,
      perUserLimit: 3,
      createdAt: now,
    };
    await backend.ledger.openSale(sale);
    // 7,500 reservations by 3,000 shoppers: a hash past 128 fields is no longer one listpack, so HSCAN
    // pages through it, about 1,000 fields a page. Shopper u holds units under keys k-u-0..,
    // up to 3 each.
    const reservations = [];
    for (let i = 0; i < 7_500; i += 250) {
      reservations.push(
        ...(await Promise.all(
          Array.from({ length: 250 }, (_, j) => {
            const n = i + j;
            return backend.ledger.reserve({
              saleId: sale.id,
              userId: `u-${n % 3_000}`,
              quantity: 1,
              idempotencyKey: `k-${n % 3_000}-${Math.floor(n / 3_000)}`,
              now,
            });
          }),
        )),
      );
    }
    expect(reservations.every((r) => r.kind === 'reserved')).toBe(true);
    // Release every reservation of shopper u-7.
    for (const result of reservations) {
      if (result.kind === 'reserved' && result.reservation.userId === 'u-7') {
        expect((await backend.ledger.release(result.reservation.id, 'cancelled', now)).kind).toBe('released');
      }
    }

    const holdings = await backend.ledger.listHoldings(sale.id);
    const byUser = new Map(holdings.map((h) => [h.userId, h]));
    expect(holdings).toHaveLength(2_999);
    expect(byUser.size).toBe(2_999);
    expect(byUser.has('u-7')).toBe(false);
    expect(holdings.reduce((units, h) => units + h.units, 0)).toBe(7_500 - 3);
    // u-0 reserved three times (n = 0, 3000, 6000); u-1600 twice (n = 1600, 4600).
    expect(byUser.get('u-0')).toMatchObject({ units: 3 });
    expect(byUser.get('u-1600')).toMatchObject({ units: 2 });
  });
});

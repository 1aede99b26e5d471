import { afterAll, describe, expect, it } from 'vitest';
import type { Sale } from '../../src/domain/sale.ts';
import type { Backend } from '../../src/ports/backend.ts';
import { openTestClusterBackend, sharedServicesAvailable } from '../support/cluster-services.ts';
import { saleFixture } from '../support/fixtures.ts';

const available = await sharedServicesAvailable();

/**
 * A sold-out sale's holdings are read in slices of 1,000 reservations: every
 * holder, every key and every unit must come back whatever slice it sits in,
 * and released units must not.
 */
describe.skipIf(!available)("a Redis ledger's holdings of a large sale", () => {
  let backend: Backend;
  afterAll(async () => {
    await backend?.close();
  });

  it('lists every holder, key and unit across slices, without the released ones', async () => {
    backend = await openTestClusterBackend({
      redisPrefix: `flashsale-test:holdings-${Math.random().toString(36).slice(2)}:`,
    });
    const now = Date.now();
    const sale: Sale = {
      ...saleFixture,
      id: `holdings-${now}`,
      stock: 2_600,
      startsAt: now - 1000,
      endsAt: now + 60_000,
      perUserLimit: 3,
      createdAt: now,
    };
    await backend.ledger.openSale(sale);
    // 2,500 reservations (three slices): shopper u holds units under keys k-u-0.., up to 3 each.
    const reservations = [];
    for (let i = 0; i < 2_500; i += 250) {
      reservations.push(
        ...(await Promise.all(
          Array.from({ length: 250 }, (_, j) => {
            const n = i + j;
            return backend.ledger.reserve({
              saleId: sale.id,
              userId: `u-${n % 1_000}`,
              quantity: 1,
              idempotencyKey: `k-${n % 1_000}-${Math.floor(n / 1_000)}`,
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
    expect(byUser.size).toBe(999);
    expect(byUser.has('u-7')).toBe(false);
    expect(holdings.reduce((units, h) => units + h.units, 0)).toBe(2_500 - 3);
    // u-0 reserved under k-0-0, k-0-1 and k-0-2 (n = 0, 1000, 2000); u-600 under two keys.
    expect([...byUser.get('u-0')!.idempotencyKeys].sort()).toEqual(['k-0-0', 'k-0-1', 'k-0-2']);
    expect(byUser.get('u-600')).toMatchObject({ units: 2 });
  });
});

import type { AppDeps } from '../../app/deps.ts';
import { createSale, type SaleView } from '../../app/sales.ts';

/** A first-run sale, live at once, so `npm start` has something to buy. */
export async function createDemoSaleIfEmpty(deps: AppDeps): Promise<SaleView | undefined> {
  if ((await deps.ledger.listSales()).length > 0) return undefined;
  const now = deps.clock.now();
  return createSale(deps, {
    sku: 'DEMO-001',
    name: 'Demo flash sale',
    stock: 10_000,
    startsAt: now,
    endsAt: now + 24 * 3600 * 1000,
    perUserLimit: 2,
    priceCents: 1999,
    currency: 'EUR',
    paymentWindowSeconds: 600,
    purchaseToken: false,
  });
}

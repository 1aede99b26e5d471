import type { NewSale, Sale } from '../../src/domain/sale.ts';

/** A sale open from t=1,000 ms to t=2,000 ms: 10 units, 2 per shopper. */
export const newSaleFixture: NewSale = {
  sku: 'SKU',
  name: 'Sale',
  stock: 10,
  startsAt: 1_000,
  endsAt: 2_000,
  perUserLimit: 2,
  priceCents: 100,
  currency: 'EUR',
  paymentWindowSeconds: 60,
  purchaseToken: false,
};

export const saleFixture: Sale = { ...newSaleFixture, id: 'sale-1', createdAt: 0 };

/** A POST /v1/sales body for a sale live from a second before `now` for an hour. */
export function saleRequestBody(
  now: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    sku: 'SKU-1',
    name: 'Test sale',
    stock: 100,
    startsAt: new Date(now - 1000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    perUserLimit: 2,
    priceCents: 1000,
    currency: 'EUR',
    paymentWindowSeconds: 60,
    ...overrides,
  };
}

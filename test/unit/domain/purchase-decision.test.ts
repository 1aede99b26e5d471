import { describe, expect, it } from 'vitest';
import {
  decidePurchase,
  newReservation,
  type PurchaseFacts,
  reservationExpiry,
} from '../../../src/domain/purchase-decision.ts';
import type { Reservation } from '../../../src/domain/reservation.ts';
import { saleFixture } from '../../support/fixtures.ts';

const sale = saleFixture;

const previous: Reservation = {
  id: 'r1',
  orderId: 'o1',
  saleId: 'sale-1',
  userId: 'alice',
  quantity: 1,
  idempotencyKey: 'k',
  amountCents: 100,
  currency: 'EUR',
  state: 'held',
  releaseReason: null,
  createdAt: 1_100,
  expiresAt: 61_100,
  paidAt: null,
};

const facts = (overrides: Partial<PurchaseFacts> = {}): PurchaseFacts => ({
  sale,
  now: 1_500,
  quantity: 1,
  available: 10,
  userHolding: 0,
  previous: undefined,
  ...overrides,
});

describe('decidePurchase', () => {
  it('reserves inside the window when stock and limit allow', () => {
    expect(decidePurchase(facts())).toEqual({ kind: 'reserve' });
    expect(decidePurchase(facts({ quantity: 2, available: 2 }))).toEqual({ kind: 'reserve' });
  });

  it('refuses before the start and at or after the end', () => {
    expect(decidePurchase(facts({ now: 999 }))).toEqual({ kind: 'not_started', startsAt: 1_000 });
    expect(decidePurchase(facts({ now: 1_000 })).kind).toBe('reserve');
    expect(decidePurchase(facts({ now: 2_000 }))).toEqual({ kind: 'ended', endsAt: 2_000 });
  });

  it('refuses a quantity above the limit, alone or with what the shopper already holds', () => {
    expect(decidePurchase(facts({ quantity: 3 }))).toEqual({
      kind: 'limit_exceeded',
      limit: 2,
      alreadyHeld: 0,
    });
    expect(decidePurchase(facts({ userHolding: 1, quantity: 2 }))).toEqual({
      kind: 'limit_exceeded',
      limit: 2,
      alreadyHeld: 1,
    });
    expect(decidePurchase(facts({ userHolding: 1, quantity: 1 })).kind).toBe('reserve');
  });

  it('tells sold out from not enough left', () => {
    expect(decidePurchase(facts({ available: 0 }))).toEqual({ kind: 'sold_out' });
    expect(decidePurchase(facts({ available: 1, quantity: 2 }))).toEqual({
      kind: 'insufficient_stock',
      available: 1,
    });
  });

  it('replays the first reservation of a key, even after the sale ended or sold out', () => {
    for (const later of [
      facts({ previous }),
      facts({ previous, now: 5_000 }),
      facts({ previous, available: 0 }),
    ]) {
      expect(decidePurchase(later)).toEqual({ kind: 'reserved', reservation: previous, replayed: true });
    }
  });

  it('refuses a key reused for another sale or another quantity', () => {
    const conflict = { kind: 'idempotency_conflict', reservationId: 'r1' };
    expect(decidePurchase(facts({ previous, quantity: 2 }))).toEqual(conflict);
    expect(decidePurchase(facts({ previous: { ...previous, saleId: 'other' } }))).toEqual(conflict);
  });
});

describe('reservationExpiry', () => {
  it('closes the payment window paymentWindowSeconds after the reservation', () => {
    expect(reservationExpiry(sale, 1_500)).toBe(61_500);
  });
});

describe('newReservation', () => {
  it('holds the units at the sale price until the payment window closes', () => {
    const reservation = newReservation(
      saleFixture,
      { userId: 'ann', quantity: 2, idempotencyKey: 'k', now: 1_500 },
      { id: 'r-1', orderId: 'o-1' },
    );
    expect(reservation).toEqual({
      id: 'r-1',
      orderId: 'o-1',
      saleId: saleFixture.id,
      userId: 'ann',
      quantity: 2,
      idempotencyKey: 'k',
      amountCents: 2 * saleFixture.priceCents,
      currency: saleFixture.currency,
      state: 'held',
      releaseReason: null,
      createdAt: 1_500,
      expiresAt: 1_500 + saleFixture.paymentWindowSeconds * 1000,
      paidAt: null,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { decidePurchase, newReservation, reservationExpiry } from '../../../src/domain/purchase-decision.ts';
import type { Reservation } from '../../../src/domain/reservation.ts';
import { saleFixture } from '../../support/fixtures.ts';
import { expectedDecision, purchaseRuleCases, ruleSale } from '../../support/purchase-rule-cases.ts';

const sale = ruleSale;

/** The reservation a case's key was first used for, moved to its sale and quantity. */
const earlier: Reservation = {
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

describe('decidePurchase', () => {
  it.each(purchaseRuleCases)('$name', ({ facts, expected }) => {
    const previous =
      facts.previous === undefined
        ? undefined
        : {
            ...earlier,
            saleId: facts.previous.sale === 'this' ? sale.id : 'other',
            quantity: facts.previous.quantity,
            ...(facts.previous.released
              ? { state: 'released' as const, releaseReason: 'expired' as const }
              : {}),
          };
    const decision = decidePurchase({
      sale,
      now: facts.now,
      quantity: facts.quantity,
      available: facts.available,
      userHolding: facts.userHolding,
      previous,
    });
    expect(decision).toEqual(expectedDecision(expected, previous));
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

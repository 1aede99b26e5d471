import { describe, expect, it } from 'vitest';
import {
  applyOrderEvent,
  checkCancellation,
  checkPayment,
  type OrderEvent,
  type OrderStatus,
  orderStatusOf,
} from '../../../src/domain/order.ts';
import type { Reservation } from '../../../src/domain/reservation.ts';

const held: Reservation = {
  id: 'r',
  orderId: 'o',
  saleId: 's',
  userId: 'u',
  quantity: 1,
  idempotencyKey: 'k',
  amountCents: 1,
  currency: 'EUR',
  state: 'held',
  releaseReason: null,
  createdAt: 0,
  expiresAt: 1_000,
  paidAt: null,
};
const paid: Reservation = { ...held, state: 'paid', paidAt: 500 };
const expired: Reservation = { ...held, state: 'released', releaseReason: 'expired' };
const cancelled: Reservation = { ...held, state: 'released', releaseReason: 'cancelled' };

describe('the order state machine', () => {
  it.each<[OrderStatus, OrderEvent, OrderStatus]>([
    ['pending', 'confirmed', 'confirmed'],
    ['pending', 'paid', 'paid'],
    ['pending', 'expired', 'expired'],
    ['pending', 'cancelled', 'cancelled'],
    ['confirmed', 'paid', 'paid'],
    ['confirmed', 'expired', 'expired'],
    ['confirmed', 'cancelled', 'cancelled'],
  ])('moves %s on %s to %s', (from, event, to) => {
    expect(applyOrderEvent(from, event)).toEqual({ kind: 'move', to });
  });

  it.each<[OrderStatus, OrderEvent]>([
    ['confirmed', 'confirmed'],
    ['paid', 'paid'],
    ['expired', 'expired'],
    ['cancelled', 'cancelled'],
    ['paid', 'confirmed'],
    ['expired', 'confirmed'],
    ['cancelled', 'confirmed'],
  ])('leaves %s unchanged on a duplicate or late %s', (from, event) => {
    expect(applyOrderEvent(from, event)).toEqual({ kind: 'unchanged' });
  });

  it.each<[OrderStatus, OrderEvent]>([
    ['paid', 'expired'],
    ['paid', 'cancelled'],
    ['expired', 'paid'],
    ['expired', 'cancelled'],
    ['cancelled', 'paid'],
    ['cancelled', 'expired'],
  ])('refuses to leave the final state %s on %s', (from, event) => {
    expect(applyOrderEvent(from, event)).toEqual({ kind: 'illegal', from, event });
  });
});

describe('orderStatusOf', () => {
  it('shows pending until the order is recorded, then what the reservation says', () => {
    expect(orderStatusOf(held, false)).toBe('pending');
    expect(orderStatusOf(held, true)).toBe('confirmed');
    expect(orderStatusOf(paid, false)).toBe('paid');
    expect(orderStatusOf(expired, true)).toBe('expired');
    expect(orderStatusOf(cancelled, true)).toBe('cancelled');
  });
});

describe('checkPayment', () => {
  it('pays inside the window and treats its last millisecond as closed', () => {
    expect(checkPayment(held, 999)).toBe('pay');
    expect(checkPayment(held, 1_000)).toBe('window_expired');
  });

  it('accepts paying twice and refuses released reservations', () => {
    expect(checkPayment(paid, 2_000)).toBe('already_paid');
    expect(checkPayment(expired, 10)).toBe('window_expired');
    expect(checkPayment(cancelled, 10)).toBe('not_payable');
  });
});

describe('checkCancellation', () => {
  it('cancels held reservations only, and cancelling twice is not an error', () => {
    expect(checkCancellation(held)).toBe('cancel');
    expect(checkCancellation(cancelled)).toBe('already_cancelled');
    expect(checkCancellation(paid)).toBe('not_cancellable');
    expect(checkCancellation(expired)).toBe('not_cancellable');
  });
});

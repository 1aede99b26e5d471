import type { PurchaseDecision } from '../../src/domain/purchase-decision.ts';
import type { Reservation } from '../../src/domain/reservation.ts';
import type { Sale } from '../../src/domain/sale.ts';
import { saleFixture } from './fixtures.ts';

/** The sale every case is decided for: open from t=1,000 ms to t=2,000 ms, 2 units per shopper. */
export const ruleSale: Sale = saleFixture;

/** The reservation already made under the attempt's idempotency key. */
export interface PreviousReservation {
  /** Made in this sale, or in another one the shopper used the same key for. */
  readonly sale: 'this' | 'other';
  readonly quantity: number;
  /** Its units came back (it expired or was cancelled): it no longer counts in the holding, yet still answers. */
  readonly released?: boolean;
}

/**
 * The facts a purchase is decided on, stated so that any backend can be
 * brought to them through its ports: sell units to other shoppers, reserve
 * for this one, then attempt at `now`.
 */
export interface PurchaseRuleFacts {
  readonly now: number;
  readonly quantity: number;
  /** Units still on sale. */
  readonly available: number;
  /** Units this shopper holds in this sale, the previous reservation's included when it is of this sale and held. */
  readonly userHolding: number;
  readonly previous: PreviousReservation | undefined;
}

/** The domain's answer, naming the previous reservation instead of spelling it out. */
export type ExpectedDecision =
  | Exclude<PurchaseDecision, { readonly kind: 'reserved' | 'idempotency_conflict' }>
  | { readonly kind: 'replayed' }
  | { readonly kind: 'idempotency_conflict' };

export interface PurchaseRuleCase {
  readonly name: string;
  readonly facts: PurchaseRuleFacts;
  readonly expected: ExpectedDecision;
}

const inside = { now: 1_500, quantity: 1, available: 10, userHolding: 0, previous: undefined };
const heldUnderKey = { sale: 'this', quantity: 1 } as const;

/**
 * The purchase rule, case by case: what `decidePurchase` answers, and so what
 * every store that re-expresses it must answer on the same facts.
 */
export const purchaseRuleCases: readonly PurchaseRuleCase[] = [
  {
    name: 'reserves inside the window when stock and limit allow',
    facts: inside,
    expected: { kind: 'reserve' },
  },
  {
    name: 'reserves the last units when they are exactly enough',
    facts: { ...inside, quantity: 2, available: 2 },
    expected: { kind: 'reserve' },
  },
  {
    name: 'refuses a millisecond before the start',
    facts: { ...inside, now: 999 },
    expected: { kind: 'not_started', startsAt: 1_000 },
  },
  {
    name: 'reserves from the first millisecond',
    facts: { ...inside, now: 1_000 },
    expected: { kind: 'reserve' },
  },
  {
    name: 'refuses at the end',
    facts: { ...inside, now: 2_000 },
    expected: { kind: 'ended', endsAt: 2_000 },
  },
  {
    name: 'refuses at the end before looking at the limit',
    facts: { ...inside, now: 2_000, userHolding: 2 },
    expected: { kind: 'ended', endsAt: 2_000 },
  },
  {
    name: 'refuses a quantity above the limit',
    facts: { ...inside, quantity: 3 },
    expected: { kind: 'limit_exceeded', limit: 2, alreadyHeld: 0 },
  },
  {
    name: 'refuses a quantity that would take the shopper past the limit with what they hold',
    facts: { ...inside, userHolding: 1, quantity: 2 },
    expected: { kind: 'limit_exceeded', limit: 2, alreadyHeld: 1 },
  },
  {
    name: 'reserves up to the limit with what the shopper holds',
    facts: { ...inside, userHolding: 1 },
    expected: { kind: 'reserve' },
  },
  {
    name: 'refuses past the limit before looking at the stock',
    facts: { ...inside, userHolding: 2, available: 0 },
    expected: { kind: 'limit_exceeded', limit: 2, alreadyHeld: 2 },
  },
  { name: 'refuses when sold out', facts: { ...inside, available: 0 }, expected: { kind: 'sold_out' } },
  {
    name: 'refuses more than what is left, saying how much is',
    facts: { ...inside, available: 1, quantity: 2 },
    expected: { kind: 'insufficient_stock', available: 1 },
  },
  {
    name: 'replays the first reservation of a key',
    facts: { ...inside, userHolding: 1, previous: heldUnderKey },
    expected: { kind: 'replayed' },
  },
  {
    name: 'replays the first reservation of a key after the sale ended',
    facts: { ...inside, now: 5_000, userHolding: 1, previous: heldUnderKey },
    expected: { kind: 'replayed' },
  },
  {
    name: 'replays the first reservation of a key after the sale sold out',
    facts: { ...inside, available: 0, userHolding: 1, previous: heldUnderKey },
    expected: { kind: 'replayed' },
  },
  {
    name: 'refuses a key reused for another quantity',
    facts: { ...inside, quantity: 2, userHolding: 1, previous: heldUnderKey },
    expected: { kind: 'idempotency_conflict' },
  },
  {
    name: 'refuses a key reused for another sale',
    facts: { ...inside, previous: { sale: 'other', quantity: 1 } },
    expected: { kind: 'idempotency_conflict' },
  },
  {
    name: 'refuses a key reused for another sale before this one starts',
    facts: { ...inside, now: 999, previous: { sale: 'other', quantity: 1 } },
    expected: { kind: 'idempotency_conflict' },
  },
  {
    name: 'refuses a key reused for another sale once this one sold out',
    facts: { ...inside, available: 0, previous: { sale: 'other', quantity: 1 } },
    expected: { kind: 'idempotency_conflict' },
  },
  {
    name: 'replays the first reservation of a key after it was released and the sale sold out',
    facts: { ...inside, available: 0, previous: { ...heldUnderKey, released: true } },
    expected: { kind: 'replayed' },
  },
];

/** The decision a case expects, given the reservation its facts were built with. */
export function expectedDecision(
  expected: ExpectedDecision,
  previous: Reservation | undefined,
): PurchaseDecision {
  if (expected.kind !== 'replayed' && expected.kind !== 'idempotency_conflict') return expected;
  if (previous === undefined)
    throw new Error(`a case expecting ${expected.kind} needs a previous reservation`);
  return expected.kind === 'replayed'
    ? { kind: 'reserved', reservation: previous, replayed: true }
    : { kind: 'idempotency_conflict', reservationId: previous.id };
}

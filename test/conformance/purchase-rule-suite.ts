import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decidePurchase, newReservation, type PurchaseDecision } from '../../src/domain/purchase-decision.ts';
import type { Reservation } from '../../src/domain/reservation.ts';
import type { Sale } from '../../src/domain/sale.ts';
import type { Backend } from '../../src/ports/backend.ts';
import type { ReserveRequest, ReserveResult, StockLedger } from '../../src/ports/stock-ledger.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { type PurchaseRuleCase, purchaseRuleCases, ruleSale } from '../support/purchase-rule-cases.ts';

/** Units sold to other shoppers before a case's attempt, once its sale has started. */
const SOLD_TO_OTHERS = 3;
const KEY = 'attempt';

interface BuiltCase {
  readonly sale: Sale;
  readonly shopper: string;
  readonly previous: Reservation | undefined;
}

/**
 * Brings a fresh sale on the backend to a case's facts through the ports:
 * units sold to other shoppers at the start, the shopper's holding, the
 * reservation under the attempt's key (in this sale or another), then the
 * clock set to the moment of the attempt.
 */
async function buildCase(ledger: StockLedger, clock: ManualClock, { name, facts }: PurchaseRuleCase) {
  const tag = randomUUID();
  const started = facts.now >= ruleSale.startsAt;
  const soldToOthers = started ? SOLD_TO_OTHERS : 0;
  const previousHere =
    facts.previous?.sale === 'this' && !facts.previous.released ? facts.previous.quantity : 0;
  if (!started && facts.userHolding > 0) throw new Error(`"${name}": nobody holds units before the start`);
  const sale: Sale = {
    ...ruleSale,
    id: `sale-${tag}`,
    stock: facts.available + facts.userHolding + soldToOthers,
  };
  await ledger.openSale(sale);

  clock.set(sale.startsAt);
  const reserve = async (saleId: string, userId: string, quantity: number, idempotencyKey: string) => {
    const result = await ledger.reserve({ saleId, userId, quantity, idempotencyKey, now: clock.now() });
    if (result.kind !== 'reserved') throw new Error(`"${name}": setting up got ${result.kind}`);
    return result.reservation;
  };
  const shopper = `shopper-${tag}`;
  let previous: Reservation | undefined;
  if (facts.previous?.sale === 'this' && facts.previous.released) {
    // Taken and given back before the others buy, so its units count as available again.
    const taken = await reserve(sale.id, shopper, facts.previous.quantity, KEY);
    const released = await ledger.release(taken.id, 'expired', clock.now());
    if (released.kind !== 'released') throw new Error(`"${name}": setting up got ${released.kind}`);
    previous = await ledger.getReservation(taken.id);
  }
  for (let i = 0; i < soldToOthers; i++) await reserve(sale.id, `other-${tag}-${i}`, 1, KEY);
  if (facts.userHolding > previousHere) {
    await reserve(sale.id, shopper, facts.userHolding - previousHere, 'earlier');
  }
  if (facts.previous?.sale === 'this' && !facts.previous.released) {
    previous = await reserve(sale.id, shopper, facts.previous.quantity, KEY);
  } else if (facts.previous?.sale === 'other') {
    const other: Sale = { ...ruleSale, id: `other-sale-${tag}`, stock: facts.previous.quantity };
    await ledger.openSale(other);
    previous = await reserve(other.id, shopper, facts.previous.quantity, KEY);
  }
  clock.set(facts.now);
  return { sale, shopper, previous } satisfies BuiltCase;
}

/** The backend's answer in the domain's terms: a new reservation is the domain's `reserve`. */
function asDecision(
  answer: ReserveResult,
  sale: Sale,
  request: ReserveRequest,
): PurchaseDecision | ReserveResult {
  if (answer.kind !== 'reserved' || answer.replayed) return answer;
  const { id, orderId } = answer.reservation;
  expect(answer.reservation).toEqual(newReservation(sale, request, { id, orderId }));
  return { kind: 'reserve' };
}

/**
 * Every store re-expresses the purchase rule in its own atomic step (a Lua
 * script, conditional writes, a transaction): each answers the domain's own
 * cases (test/support/purchase-rule-cases.ts) exactly as `decidePurchase`
 * does on the same facts, so a rule changed in one place and not the other
 * fails here.
 */
export function describePurchaseRuleConformance(name: string, openBackend: () => Promise<Backend>): void {
  describe(`${name} purchase rule conformance`, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await openBackend();
    });
    afterAll(() => backend.close());

    it.each(purchaseRuleCases)('answers as decidePurchase does: $name', async (testCase) => {
      const { ledger } = backend;
      const clock = new ManualClock();
      const { sale, shopper, previous } = await buildCase(ledger, clock, testCase);
      const available = (await ledger.getSale(sale.id))?.available;
      const holdings = await ledger.listHoldings(sale.id);
      const userHolding = holdings.find((h) => h.userId === shopper)?.units ?? 0;
      expect({ available, userHolding }).toEqual({
        available: testCase.facts.available,
        userHolding: testCase.facts.userHolding,
      });

      const { quantity } = testCase.facts;
      const request = { saleId: sale.id, userId: shopper, quantity, idempotencyKey: KEY, now: clock.now() };
      const answer = await ledger.reserve(request);
      const decision = decidePurchase({
        sale,
        now: request.now,
        quantity,
        available: testCase.facts.available,
        userHolding,
        previous,
      });
      expect(asDecision(answer, sale, request)).toEqual(decision);
    });
  });
}

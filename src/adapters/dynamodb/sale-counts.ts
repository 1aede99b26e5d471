import type { Reservation } from '../../domain/reservation.ts';
import type { Holding, LedgerCounts } from '../../ports/stock-ledger.ts';
import type { SaleDefinition } from './ledger-items.ts';

/** The audit's sums, counted from a sale's reservation items and the units left on its shards. */
export function countReservations(
  sale: SaleDefinition,
  available: number,
  reservations: readonly Reservation[],
): LedgerCounts {
  const counts = { held: 0, paid: 0, released: 0, reservations: 0 };
  const owned = new Map<string, number>();
  for (const r of reservations) {
    counts[r.state] += r.quantity;
    counts.reservations++;
    if (r.state !== 'released') owned.set(r.userId, (owned.get(r.userId) ?? 0) + r.quantity);
  }
  return {
    initial: sale.stock,
    available,
    ...counts,
    // mirrors decidePurchase (per-user limit) in domain/purchase-decision.ts
    usersOverLimit: [...owned]
      .filter(([, units]) => units > sale.perUserLimit)
      .map(([userId, units]) => ({ userId, units })),
  };
}

/** Each shopper's held and paid units in the sale. */
export function holdingsOf(reservations: readonly Reservation[]): Holding[] {
  const units = new Map<string, number>();
  for (const r of reservations) {
    if (r.state !== 'released') units.set(r.userId, (units.get(r.userId) ?? 0) + r.quantity);
  }
  return [...units].map(([userId, held]) => ({ userId, units: held }));
}

import type { Sale } from '../../domain/sale.ts';
import type { ReserveResult } from '../../ports/stock-ledger.ts';

/** What reserve.lua answered: an outcome, or the reservation already made under the key. */
export type ReserveReply = ReserveResult | { readonly kind: 'previous'; readonly reservationId: string };

/**
 * Maps reserve.lua's reply codes onto the outcomes every backend reports
 * (decidePurchase's refusals), so a refusal from Redis reads exactly like
 * one from SQLite.
 */
export function reserveReplyToOutcome(reply: unknown, sale: Sale): ReserveReply | { kind: 'reserved_new' } {
  if (!Array.isArray(reply) || typeof reply[0] !== 'string') {
    throw new Error(`redis ledger: unexpected reserve reply ${JSON.stringify(reply)}`);
  }
  const [code, value] = reply as [string, unknown];
  switch (code) {
    case 'reserved':
      return { kind: 'reserved_new' };
    case 'previous':
      return { kind: 'previous', reservationId: String(value) };
    case 'sale_not_found':
      return { kind: 'sale_not_found' };
    case 'not_started':
      return { kind: 'not_started', startsAt: sale.startsAt };
    case 'ended':
      return { kind: 'ended', endsAt: sale.endsAt };
    case 'limit_exceeded':
      return { kind: 'limit_exceeded', limit: sale.perUserLimit, alreadyHeld: Number(value) };
    case 'sold_out':
      return { kind: 'sold_out' };
    case 'insufficient_stock':
      return { kind: 'insufficient_stock', available: Number(value) };
    default:
      throw new Error(`redis ledger: unknown reserve reply code ${code}`);
  }
}

import { FlashSaleError } from '../domain/errors.ts';
import type { LedgerCounts } from '../ports/stock-ledger.ts';
import type { AppDeps } from './deps.ts';
import { readOrUnavailable } from './store-unavailable.ts';

export interface Violation {
  readonly invariant: 'I1' | 'I2' | 'I4';
  readonly code: 'oversold' | 'stock_not_conserved' | 'user_over_limit';
  readonly message: string;
}

export interface AuditReport extends Omit<LedgerCounts, 'usersOverLimit'> {
  readonly ok: boolean;
  readonly saleId: string;
  /** Reservations the order pipeline has not turned into orders yet (0 once it caught up). */
  readonly ordersPending: number;
  readonly violations: Violation[];
}

/** Checks I1, I2 and I4 against the stored reservations of one sale. */
export async function auditSale(deps: AppDeps, saleId: string): Promise<AuditReport> {
  const counts = await deps.ledger.countSale(saleId);
  if (counts === undefined) throw new FlashSaleError('sale_not_found', `no sale with id ${saleId}`);
  const orders = await readOrUnavailable('the order store', () => deps.orders.countForSale(saleId));
  const violations: Violation[] = [];
  if (counts.held + counts.paid > counts.initial) {
    violations.push({
      invariant: 'I1',
      code: 'oversold',
      message: `held ${counts.held} + paid ${counts.paid} exceeds the initial stock ${counts.initial}`,
    });
  }
  if (counts.available + counts.held + counts.paid !== counts.initial) {
    violations.push({
      invariant: 'I2',
      code: 'stock_not_conserved',
      message: `available ${counts.available} + held ${counts.held} + paid ${counts.paid} != initial ${counts.initial}`,
    });
  }
  for (const user of counts.usersOverLimit) {
    violations.push({
      invariant: 'I4',
      code: 'user_over_limit',
      message: `user ${user.userId} holds or owns ${user.units} units`,
    });
  }
  return {
    ok: violations.length === 0,
    saleId,
    initial: counts.initial,
    available: counts.available,
    held: counts.held,
    paid: counts.paid,
    released: counts.released,
    reservations: counts.reservations,
    ordersPending: Math.max(0, counts.reservations - orders),
    violations,
  };
}

import { randomUUID } from 'node:crypto';
import type { Actor } from '../domain/actor.ts';
import { FlashSaleError } from '../domain/errors.ts';
import { assertValidNewSale, type NewSale, type Sale, type SaleStatus, saleStatus } from '../domain/sale.ts';
import type { SaleSnapshot } from '../ports/stock-ledger.ts';
import type { AppDeps } from './deps.ts';
import { readOrUnavailable } from './store-unavailable.ts';

export interface SaleView extends Sale {
  readonly status: SaleStatus;
  readonly available: number;
  /** The asking shopper's purchase token: only for a `purchaseToken` sale that is live. */
  readonly yourPurchaseToken?: string;
}

export function viewSale(snapshot: SaleSnapshot, now: number): SaleView {
  return {
    ...snapshot.sale,
    status: saleStatus(snapshot.sale, snapshot.available, now),
    available: snapshot.available,
  };
}

export async function createSale(deps: AppDeps, input: NewSale): Promise<SaleView> {
  const now = deps.clock.now();
  assertValidNewSale(input, now);
  if (input.purchaseToken && deps.purchaseTokens === undefined) {
    throw new FlashSaleError(
      'invalid_sale',
      'this server has no purchase-token secret (PURCHASE_TOKEN_SECRET): create the sale without purchaseToken, or configure one',
    );
  }
  const sale: Sale = { ...input, id: randomUUID(), createdAt: now };
  await deps.ledger.openSale(sale);
  await deps.edgeStatus?.saleOpened(sale);
  return viewSale({ sale, available: sale.stock }, now);
}

/**
 * The sale; asked by a signed-in `actor`, a `purchaseToken` sale that is
 * live (started, not ended: sold out too, as units may come back) also
 * carries the actor's purchase token.
 */
export async function getSale(deps: AppDeps, saleId: string, actor?: Actor): Promise<SaleView> {
  const snapshot = await readOrUnavailable('the stock ledger', () => deps.ledger.getSale(saleId));
  if (snapshot === undefined) throw new FlashSaleError('sale_not_found', `no sale with id ${saleId}`);
  const view = viewSale(snapshot, deps.clock.now());
  const { sale } = snapshot;
  const handOut =
    sale.purchaseToken && actor !== undefined && (view.status === 'live' || view.status === 'sold_out');
  if (!handOut || deps.purchaseTokens === undefined) return view;
  return { ...view, yourPurchaseToken: deps.purchaseTokens.tokenFor(sale.id, actor.userId) };
}

export async function listSales(deps: AppDeps): Promise<SaleView[]> {
  const now = deps.clock.now();
  return (await readOrUnavailable('the stock ledger', () => deps.ledger.listSales())).map((snapshot) =>
    viewSale(snapshot, now),
  );
}

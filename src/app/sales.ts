import { randomUUID } from 'node:crypto';
import { FlashSaleError } from '../domain/errors.ts';
import { assertValidNewSale, type NewSale, type Sale, type SaleStatus, saleStatus } from '../domain/sale.ts';
import type { SaleSnapshot } from '../ports/stock-ledger.ts';
import type { AppDeps } from './deps.ts';

export interface SaleView extends Sale {
  readonly status: SaleStatus;
  readonly available: number;
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
  const sale: Sale = { ...input, id: randomUUID(), createdAt: now };
  await deps.ledger.openSale(sale);
  return viewSale({ sale, available: sale.stock }, now);
}

export async function getSale(deps: AppDeps, saleId: string): Promise<SaleView> {
  const snapshot = await deps.ledger.getSale(saleId);
  if (snapshot === undefined) throw new FlashSaleError('sale_not_found', `no sale with id ${saleId}`);
  return viewSale(snapshot, deps.clock.now());
}

export async function listSales(deps: AppDeps): Promise<SaleView[]> {
  const now = deps.clock.now();
  return (await deps.ledger.listSales()).map((snapshot) => viewSale(snapshot, now));
}

import { FlashSaleError } from './errors.ts';

export type SaleStatus = 'upcoming' | 'live' | 'sold_out' | 'ended';

/** A sale as the merchant defined it. Times are epoch milliseconds. */
export interface Sale {
  readonly id: string;
  readonly sku: string;
  readonly name: string;
  readonly stock: number;
  readonly startsAt: number;
  readonly endsAt: number;
  readonly perUserLimit: number;
  readonly priceCents: number;
  readonly currency: string;
  readonly paymentWindowSeconds: number;
  /**
   * Purchases need the shopper's purchase token (the anti-bot "hidden
   * purchase URL"), handed out by the sale's page only once the sale is live.
   */
  readonly purchaseToken: boolean;
  readonly createdAt: number;
}

export type NewSale = Omit<Sale, 'id' | 'createdAt'>;

export function saleStatus(sale: Sale, available: number, now: number): SaleStatus {
  if (now < sale.startsAt) return 'upcoming';
  if (now >= sale.endsAt) return 'ended';
  return available <= 0 ? 'sold_out' : 'live';
}

/** Rules a schema cannot express alone: they relate fields to each other and to the clock. */
export function assertValidNewSale(sale: NewSale, now: number): void {
  if (sale.endsAt <= sale.startsAt) {
    throw new FlashSaleError('invalid_sale', 'endsAt must be later than startsAt', {
      details: { startsAt: sale.startsAt, endsAt: sale.endsAt },
    });
  }
  if (sale.endsAt <= now) {
    throw new FlashSaleError('invalid_sale', 'endsAt is in the past: a sale must end in the future', {
      details: { endsAt: sale.endsAt, now },
    });
  }
}

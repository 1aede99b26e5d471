import type { AuditReport } from '../app/audit.ts';
import type { OrderView } from '../app/orders.ts';
import type { Purchased } from '../app/purchase.ts';
import type { SaleView } from '../app/sales.ts';
import type { DeadLetter } from '../ports/event-queue.ts';
import { isoTime } from './iso-time.ts';

// The JSON shapes of the API (times as ISO 8601), matching the response schemas.

const iso = isoTime;

export function saleJson(sale: SaleView) {
  return {
    id: sale.id,
    sku: sale.sku,
    name: sale.name,
    status: sale.status,
    stock: sale.stock,
    available: sale.available,
    startsAt: iso(sale.startsAt),
    endsAt: iso(sale.endsAt),
    perUserLimit: sale.perUserLimit,
    priceCents: sale.priceCents,
    currency: sale.currency,
    paymentWindowSeconds: sale.paymentWindowSeconds,
    purchaseToken: sale.purchaseToken,
    ...(sale.yourPurchaseToken === undefined ? {} : { yourPurchaseToken: sale.yourPurchaseToken }),
  };
}

export function purchaseJson({ reservation }: Purchased) {
  return {
    reservationId: reservation.id,
    orderId: reservation.orderId,
    status: 'reserved' as const,
    quantity: reservation.quantity,
    expiresAt: iso(reservation.expiresAt),
  };
}

export function orderJson(order: OrderView) {
  return {
    ...order,
    createdAt: iso(order.createdAt),
    expiresAt: iso(order.expiresAt),
    paidAt: order.paidAt === null ? null : iso(order.paidAt),
  };
}

export function auditJson(report: AuditReport) {
  return report;
}

export function deadLetterJson(letter: DeadLetter) {
  return { ...letter, failedAt: iso(letter.failedAt) };
}

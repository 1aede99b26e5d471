import type { OrderStatus } from '../../domain/order.ts';
import type { ReleaseReason, Reservation, ReservationState } from '../../domain/reservation.ts';
import type { Sale } from '../../domain/sale.ts';
import type { OrderRecord } from '../../ports/order-store.ts';

// Rows come back from node:sqlite as loosely typed records; the schema's
// STRICT tables and CHECK constraints guarantee the types asserted here.
type Row = Record<string, unknown>;

export function saleFromRow(row: Row): Sale {
  return {
    id: row.id as string,
    sku: row.sku as string,
    name: row.name as string,
    stock: row.stock as number,
    startsAt: row.starts_at as number,
    endsAt: row.ends_at as number,
    perUserLimit: row.per_user_limit as number,
    priceCents: row.price_cents as number,
    currency: row.currency as string,
    paymentWindowSeconds: row.payment_window_seconds as number,
    purchaseToken: row.purchase_token === 1,
    createdAt: row.created_at as number,
  };
}

export function reservationFromRow(row: Row): Reservation {
  return {
    id: row.id as string,
    orderId: row.order_id as string,
    saleId: row.sale_id as string,
    userId: row.user_id as string,
    quantity: row.quantity as number,
    idempotencyKey: row.idempotency_key as string,
    amountCents: row.amount_cents as number,
    currency: row.currency as string,
    state: row.state as ReservationState,
    releaseReason: (row.release_reason as ReleaseReason | null) ?? null,
    createdAt: row.created_at as number,
    expiresAt: row.expires_at as number,
    paidAt: (row.paid_at as number | null) ?? null,
  };
}

export function orderFromRow(row: Row): OrderRecord {
  return {
    id: row.id as string,
    reservationId: row.reservation_id as string,
    saleId: row.sale_id as string,
    userId: row.user_id as string,
    quantity: row.quantity as number,
    amountCents: row.amount_cents as number,
    currency: row.currency as string,
    status: row.status as OrderStatus,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

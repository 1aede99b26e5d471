import * as z from 'zod';
import { isoTime } from './request-schemas.ts';

// What the routes answer: only /openapi.json uses these (see Route's `responses`).

export const saleStatus = z.enum(['upcoming', 'live', 'sold_out', 'ended']);
export const orderStatus = z.enum(['pending', 'confirmed', 'paid', 'expired', 'cancelled']);

export const saleResponse = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    status: saleStatus,
    stock: z.number().int(),
    available: z.number().int(),
    startsAt: isoTime,
    endsAt: isoTime,
    perUserLimit: z.number().int(),
    priceCents: z.number().int(),
    currency: z.string(),
    paymentWindowSeconds: z.number().int(),
    purchaseToken: z.boolean().describe('purchases need the X-Purchase-Token header'),
    yourPurchaseToken: z
      .string()
      .optional()
      .describe(
        'for a purchaseToken sale that is live, asked with a bearer token: the value of X-Purchase-Token for this shopper',
      ),
  })
  .meta({ id: 'Sale' });

export const purchaseResponse = z
  .object({
    reservationId: z.string(),
    orderId: z.string(),
    status: z.literal('reserved'),
    quantity: z.number().int(),
    expiresAt: isoTime,
  })
  .meta({ id: 'Reservation' });

export const orderResponse = z
  .object({
    id: z.string(),
    reservationId: z.string(),
    saleId: z.string(),
    userId: z.string(),
    quantity: z.number().int(),
    amountCents: z.number().int(),
    currency: z.string(),
    status: orderStatus,
    createdAt: isoTime,
    expiresAt: isoTime,
    paidAt: isoTime.nullable(),
  })
  .meta({ id: 'Order' });

export const auditResponse = z
  .object({
    ok: z.boolean(),
    saleId: z.string(),
    initial: z.number().int(),
    available: z.number().int(),
    held: z.number().int(),
    paid: z.number().int(),
    released: z.number().int(),
    reservations: z.number().int(),
    ordersPending: z.number().int(),
    violations: z.array(
      z.object({ invariant: z.enum(['I1', 'I2', 'I4']), code: z.string(), message: z.string() }),
    ),
  })
  .meta({ id: 'Audit' });

export const deadLetterResponse = z
  .object({
    id: z.string(),
    topic: z.string(),
    body: z.string(),
    attempts: z.number().int(),
    lastError: z.string(),
    failedAt: isoTime,
  })
  .meta({ id: 'DeadLetter' });

export const errorResponse = z
  .object({
    error: z.object({
      code: z.string().describe('stable, machine-readable'),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const healthResponse = z.object({ status: z.string() });

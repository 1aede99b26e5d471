import * as z from 'zod';

// One set of schemas: they validate requests and they generate /openapi.json.

const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time');

export const createSaleBody = z
  .strictObject({
    sku: z.string().trim().min(1).max(64),
    name: z.string().trim().min(1).max(200),
    stock: z.number().int().min(1).max(100_000_000),
    startsAt: isoTime,
    endsAt: isoTime,
    perUserLimit: z.number().int().min(1).max(1000),
    priceCents: z.number().int().min(0).max(100_000_000_00),
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR'),
    paymentWindowSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600),
  })
  .meta({ id: 'CreateSale' });

export const purchaseBody = z
  .strictObject({
    quantity: z.number().int().min(1).max(1000),
    idempotencyKey: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only'),
  })
  .meta({ id: 'Purchase' });

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

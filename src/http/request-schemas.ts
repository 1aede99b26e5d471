import * as z from 'zod';

// The request bodies the routes check; /openapi.json documents them from the same schemas.

export const isoTime = z.iso.datetime({ offset: true }).describe('ISO 8601 date-time');

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
    purchaseToken: z
      .boolean()
      .default(false)
      .describe(
        'purchases need the X-Purchase-Token header, which GET /v1/sales/{id} hands a signed-in shopper once the sale is live',
      ),
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

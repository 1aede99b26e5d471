import { auditSale } from '../app/audit.ts';
import { listDeadLetters, redriveDeadLetter } from '../app/dead-letters.ts';
import type { AppDeps } from '../app/deps.ts';
import { cancelOrder, getOrder, payOrder } from '../app/orders.ts';
import { purchase } from '../app/purchase.ts';
import { createSale, getSale, listSales } from '../app/sales.ts';
import type { NewSale } from '../domain/sale.ts';
import { param, type ResponseSchemas, type Route, route } from './route.ts';
import { auditJson, deadLetterJson, orderJson, purchaseJson, saleJson } from './views.ts';

const problems = (...statuses: number[]) =>
  statuses.map((status) => ({
    status,
    description: 'error',
    schema: (s: ResponseSchemas) => s.errorResponse,
  }));

/** The business routes of API v1. Operational routes (health, metrics, OpenAPI, JWKS) live in http-app.ts. */
export function apiRoutes(deps: AppDeps): Route[] {
  return [
    route({
      method: 'POST',
      path: '/v1/sales',
      access: 'admin',
      summary: 'Create a sale',
      body: (s) => s.createSaleBody,
      responses: [
        { status: 201, description: 'the sale', schema: (s) => s.saleResponse },
        ...problems(400, 401, 403, 422),
      ],
      async handle({ body }) {
        const input: NewSale = {
          ...body,
          startsAt: Date.parse(body.startsAt),
          endsAt: Date.parse(body.endsAt),
        };
        return { status: 201, body: saleJson(await createSale(deps, input)) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/sales',
      access: 'public',
      summary: 'List sales',
      responses: [{ status: 200, description: 'every sale' }],
      async handle() {
        return { status: 200, body: { sales: (await listSales(deps)).map(saleJson) } };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/sales/:id',
      access: 'public',
      identifiesCaller: true,
      summary:
        'A sale, its status and the units left; with a bearer token, a live purchaseToken sale also gives the shopper their yourPurchaseToken',
      responses: [
        { status: 200, description: 'the sale', schema: (s) => s.saleResponse },
        ...problems(401, 404),
      ],
      async handle(context) {
        const sale = await getSale(deps, param(context, 'id'), context.actor);
        // A shared cache (the CDN) may keep the public answer a second; one carrying a shopper's
        // purchase token is theirs alone.
        const cacheControl = sale.yourPurchaseToken === undefined ? 'public, max-age=1' : 'private, no-store';
        return { status: 200, body: saleJson(sale), headers: { 'cache-control': cacheControl } };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/sales/:id/purchase',
      access: 'shopper',
      summary: 'Reserve units; answered only once the reservation is durable',
      body: (s) => s.purchaseBody,
      headers: [
        {
          name: 'X-Purchase-Token',
          description:
            'required by a sale created with purchaseToken: the yourPurchaseToken that GET /v1/sales/{id} gives this shopper once the sale is live (403 purchase_token_required / purchase_token_invalid)',
        },
        {
          name: 'X-Purchase-Retry',
          description:
            'send it (any value) when retrying a purchase whose answer was lost: the edge then passes it to the origin, which answers a used idempotencyKey with its first answer; the app itself ignores it',
        },
      ],
      responses: [
        {
          status: 201,
          description: 'reserved (or the same answer again for a retried key)',
          schema: (s) => s.purchaseResponse,
        },
        ...problems(400, 401, 403, 404, 409, 410, 422, 429, 503),
      ],
      async handle(context) {
        const result = await purchase(deps, {
          saleId: param(context, 'id'),
          userId: context.actor!.userId,
          quantity: context.body.quantity,
          idempotencyKey: context.body.idempotencyKey,
          clientAddress: context.clientAddress,
          purchaseToken: context.headers['x-purchase-token'],
          requestId: context.requestId,
        });
        return {
          status: 201,
          body: purchaseJson(result),
          headers: result.replayed ? { 'idempotent-replayed': 'true' } : undefined,
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/sales/:id/audit',
      access: 'admin',
      summary: 'Check invariants I1, I2, I4 against the stored reservations',
      responses: [
        { status: 200, description: 'the audit', schema: (s) => s.auditResponse },
        ...problems(401, 403, 404),
      ],
      async handle(context) {
        return { status: 200, body: auditJson(await auditSale(deps, param(context, 'id'))) };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/orders/:id',
      access: 'shopper',
      summary: 'An order (pending until the order pipeline confirms it)',
      responses: [
        { status: 200, description: 'the order', schema: (s) => s.orderResponse },
        ...problems(401, 404),
      ],
      async handle(context) {
        return { status: 200, body: orderJson(await getOrder(deps, param(context, 'id'), context.actor!)) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/orders/:id/pay',
      access: 'shopper',
      summary: 'Pay inside the payment window',
      responses: [
        { status: 200, description: 'the paid order', schema: (s) => s.orderResponse },
        ...problems(401, 404, 409),
      ],
      async handle(context) {
        return { status: 200, body: orderJson(await payOrder(deps, param(context, 'id'), context.actor!)) };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/orders/:id/cancel',
      access: 'shopper',
      summary: 'Cancel an unpaid order; its units go back on sale',
      responses: [
        { status: 200, description: 'the cancelled order', schema: (s) => s.orderResponse },
        ...problems(401, 404, 409),
      ],
      async handle(context) {
        return {
          status: 200,
          body: orderJson(await cancelOrder(deps, param(context, 'id'), context.actor!)),
        };
      },
    }),
    route({
      method: 'GET',
      path: '/v1/admin/dead-letters',
      access: 'admin',
      summary: 'Events the order pipeline gave up on',
      responses: [
        { status: 200, description: 'dead letters', schema: (s) => s.deadLetterResponse },
        ...problems(401, 403),
      ],
      async handle() {
        return { status: 200, body: { deadLetters: (await listDeadLetters(deps)).map(deadLetterJson) } };
      },
    }),
    route({
      method: 'POST',
      path: '/v1/admin/dead-letters/:id/redrive',
      access: 'admin',
      summary: 'Send a dead letter through the pipeline again',
      responses: [{ status: 202, description: 'queued again' }, ...problems(401, 403, 404)],
      async handle(context) {
        await redriveDeadLetter(deps, param(context, 'id'));
        return { status: 202, body: { redriven: param(context, 'id') } };
      },
    }),
  ];
}

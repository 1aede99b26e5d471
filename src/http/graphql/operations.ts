import type { z } from 'zod';
import type { AppDeps } from '../../app/deps.ts';
import { cancelOrder, getOrder, payOrder } from '../../app/orders.ts';
import { purchase } from '../../app/purchase.ts';
import { getSale, listSales, type SaleView } from '../../app/sales.ts';
import type { Actor } from '../../domain/actor.ts';
import type { OrderNotification } from '../../ports/order-notifier.ts';
import { HttpError } from '../http-error.ts';
import { isoTime } from '../iso-time.ts';
import { purchaseBody } from '../request-schemas.ts';
import { orderJson, purchaseJson, saleJson } from '../views.ts';

/**
 * The GraphQL operations over the use cases, shared by every GraphQL
 * runtime: the Node server's resolvers and the AppSync Lambda resolver.
 * Each checks who may call it as the REST route it mirrors does, validates
 * its arguments with the REST body's schema, and answers REST's JSON shapes;
 * refusals are the use cases' own errors (errors.ts words them for GraphQL).
 */
export interface Caller {
  /** Undefined for an anonymous caller (allowed where the REST route is public). */
  readonly actor: Actor | undefined;
  readonly clientAddress: string | undefined;
  readonly requestId: string;
  /** The X-Purchase-Token header, when the transport has headers; the argument wins. */
  readonly purchaseTokenHeader?: string | undefined;
}

export function signedIn(caller: Caller): Actor {
  if (caller.actor === undefined) {
    throw new HttpError(
      'unauthorized',
      'sign in: send Authorization: Bearer <JWT> (or connection_init authorization)',
    );
  }
  return caller.actor;
}

function validated<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0]!;
  throw new HttpError('validation_failed', `${first.path || 'arguments'}: ${first.message}`, {
    details: { issues },
  });
}

export type SaleJson = ReturnType<typeof saleJson>;

export interface SaleLiveStatus {
  readonly saleId: string;
  readonly status: SaleView['status'];
  readonly available: number;
  readonly at: string;
}

export function liveStatusOf(sale: SaleView, now: number): SaleLiveStatus {
  return { saleId: sale.id, status: sale.status, available: sale.available, at: isoTime(now) };
}

export interface OrderUpdate {
  readonly orderId: string;
  readonly saleId: string;
  readonly userId: string;
  readonly status: OrderNotification['status'];
  readonly quantity: number;
  readonly at: string;
}

export function orderUpdateOf(change: OrderNotification): OrderUpdate {
  return {
    orderId: change.orderId,
    saleId: change.saleId,
    userId: change.userId,
    status: change.status,
    quantity: change.quantity,
    at: isoTime(change.at),
  };
}

export const operations = {
  async sales(deps: AppDeps) {
    return (await listSales(deps)).map(saleJson);
  },

  async sale(deps: AppDeps, caller: Caller, args: { readonly id: string }) {
    return saleJson(await getSale(deps, args.id, caller.actor));
  },

  async order(deps: AppDeps, caller: Caller, args: { readonly id: string }) {
    return orderJson(await getOrder(deps, args.id, signedIn(caller)));
  },

  async purchase(
    deps: AppDeps,
    caller: Caller,
    args: {
      readonly saleId: string;
      readonly quantity: number;
      readonly idempotencyKey: string;
      readonly purchaseToken?: string | null | undefined;
    },
  ) {
    const actor = signedIn(caller);
    const body = validated(purchaseBody, { quantity: args.quantity, idempotencyKey: args.idempotencyKey });
    const result = await purchase(deps, {
      saleId: args.saleId,
      userId: actor.userId,
      quantity: body.quantity,
      idempotencyKey: body.idempotencyKey,
      clientAddress: caller.clientAddress,
      purchaseToken: args.purchaseToken ?? caller.purchaseTokenHeader,
      requestId: caller.requestId,
    });
    return { ...purchaseJson(result), replayed: result.replayed };
  },

  async pay(deps: AppDeps, caller: Caller, args: { readonly orderId: string }) {
    return orderJson(await payOrder(deps, args.orderId, signedIn(caller)));
  },

  async cancel(deps: AppDeps, caller: Caller, args: { readonly orderId: string }) {
    return orderJson(await cancelOrder(deps, args.orderId, signedIn(caller)));
  },

  /** Who may watch an order: its shopper or an admin (as GET /v1/orders/{id}); answers its current state. */
  async orderNow(deps: AppDeps, caller: Caller, orderId: string): Promise<OrderUpdate> {
    const order = await getOrder(deps, orderId, signedIn(caller));
    return {
      orderId: order.id,
      saleId: order.saleId,
      userId: order.userId,
      status: order.status,
      quantity: order.quantity,
      at: isoTime(deps.clock.now()),
    };
  },

  async saleNow(deps: AppDeps, saleId: string): Promise<SaleLiveStatus> {
    return liveStatusOf(await getSale(deps, saleId), deps.clock.now());
  },
};

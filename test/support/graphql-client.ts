import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: GraphQL results are inspected freely in tests
export type Json = any;

// The operations the tests send.
export const PURCHASE = `mutation Buy($saleId: ID!, $quantity: Int!, $key: String!) {
  purchase(saleId: $saleId, quantity: $quantity, idempotencyKey: $key) {
    reservationId orderId status quantity expiresAt replayed
  }
}`;
export const ORDER_UPDATED = `subscription Watch($orderId: ID!) {
  orderUpdated(orderId: $orderId) { orderId saleId userId status quantity at }
}`;
export const SALE_STATUS = `subscription Sale($saleId: ID!) {
  saleStatus(saleId: $saleId) { saleId status available at }
}`;
export const PAY = 'mutation Pay($orderId: ID!) { pay(orderId: $orderId) { id status paidAt } }';
export const CANCEL = 'mutation Cancel($orderId: ID!) { cancel(orderId: $orderId) { id status } }';
export const ORDER = 'query Order($id: ID!) { order(id: $id) { id status userId quantity amountCents } }';

/** One GraphQL operation over HTTP POST /graphql. */
export async function graphqlHttp(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await response.json() };
}

/** A graphql-ws client on the server's /graphql, signed in with `token` in connection_init when given. */
export function graphqlSocket(baseUrl: string, token?: string): Client {
  return createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token === undefined ? {} : { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: true,
  });
}

/** A subscription's results as they arrive, with a way to wait for the one wanted. */
export interface Subscribed {
  readonly results: Json[];
  /** Resolves with the first result (already here or to come) that `match` accepts. */
  next(match: (result: Json) => boolean, timeoutMs?: number): Promise<Json>;
  /** Resolves when the server completes the subscription (or rejects with its error). */
  readonly done: Promise<void>;
  stop(): void;
}

export function subscribe(client: Client, query: string, variables: Record<string, unknown>): Subscribed {
  const results: Json[] = [];
  const waiters = new Set<() => void>();
  let stop = (): void => {};
  const done = new Promise<void>((resolve, reject) => {
    stop = client.subscribe(
      { query, variables },
      {
        next: (result) => {
          results.push(result);
          for (const wake of waiters) wake();
        },
        error: (error) => {
          reject(error);
          for (const wake of waiters) wake();
        },
        complete: resolve,
      },
    );
  });
  done.catch(() => {});
  return {
    results,
    done,
    stop: () => stop(),
    next(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = results.find(match);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching result in ${timeoutMs} ms: ${JSON.stringify(results)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppDeps } from '../../../src/app/deps.ts';
import { purchase } from '../../../src/app/purchase.ts';
import { createSale } from '../../../src/app/sales.ts';
import {
  LOCAL_CLIENT_ID,
  LOCAL_ISSUER,
  type LocalIssuer,
  loadLocalIssuer,
} from '../../../src/http/auth/local-issuer.ts';
import { createTokenVerifier } from '../../../src/http/auth/token-verifier.ts';
import { createHttpApp, type HttpApp } from '../../../src/http/http-app.ts';
import type { HttpRequest } from '../../../src/http/types.ts';
import type { Backend } from '../../../src/ports/backend.ts';
import { noMetrics } from '../../../src/ports/metrics.ts';
import type { OrderStore } from '../../../src/ports/order-store.ts';
import type { StockLedger } from '../../../src/ports/stock-ledger.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { ManualClock } from '../../support/manual-clock.ts';

/**
 * How the wrapped store fails: `down` refuses every call before it reaches
 * the store; `replyLost` lets the call run on the real store and then fails
 * it, as a connection that drops after the script ran.
 */
interface Faults {
  down: boolean;
  replyLost: boolean;
}

/** The real store, each of its methods failing as `faults` says. */
function failing<T extends object>(inner: T, faults: Faults): T {
  return new Proxy(inner, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (faults.down) throw new Error('connection refused');
        const result: unknown = await value.apply(target, args);
        if (faults.replyLost) throw new Error('connection reset after the command was sent');
        return result;
      };
    },
  });
}

describe('pay, cancel, order and sale reads when the store fails', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-faults-'));
  const faults: Faults = { down: false, replyLost: false };
  const clock = new ManualClock();
  let backend: Backend;
  let issuer: LocalIssuer;
  let deps: AppDeps;
  let app: HttpApp;

  beforeAll(async () => {
    backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    issuer = await loadLocalIssuer(dir);
    deps = {
      ...backend,
      ledger: failing<StockLedger>(backend.ledger, faults),
      orders: failing<OrderStore>(backend.orders, faults),
      clock,
      metrics: noMetrics,
      purchaseLimiter: undefined,
    };
    const verifier = createTokenVerifier({
      jwks: issuer.jwks,
      issuer: LOCAL_ISSUER,
      clientIds: [LOCAL_CLIENT_ID],
    });
    app = createHttpApp({ deps, verifier });
  });
  afterEach(() => {
    faults.down = false;
    faults.replyLost = false;
  });
  afterAll(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function reservedOrder(user: string): Promise<{ orderId: string; saleId: string }> {
    const sale = await createSale(deps, {
      sku: 'SKU',
      name: 'Sale',
      stock: 1,
      startsAt: clock.now(),
      purchaseToken: false,
      endsAt: clock.now() + 3_600_000,
      perUserLimit: 1,
      priceCents: 100,
      currency: 'EUR',
      paymentWindowSeconds: 60,
    });
    const { reservation } = await purchase(deps, {
      saleId: sale.id,
      userId: user,
      quantity: 1,
      idempotencyKey: 'k',
    });
    return { orderId: reservation.orderId, saleId: sale.id };
  }

  async function call(method: string, path: string, user: string) {
    const token = await issuer.sign({ sub: user, admin: false });
    const request: HttpRequest = {
      method,
      url: path,
      headers: { authorization: `Bearer ${token}` },
      body: '',
    };
    const response = await app.handle(request);
    return { status: response.status, headers: response.headers, body: JSON.parse(response.body) };
  }

  it('answers 503 backend_unavailable with Retry-After, never 500, while the store is down', async () => {
    const { orderId, saleId } = await reservedOrder('alice');
    faults.down = true;
    for (const [method, path] of [
      ['GET', `/v1/orders/${orderId}`],
      ['POST', `/v1/orders/${orderId}/pay`],
      ['POST', `/v1/orders/${orderId}/cancel`],
      ['GET', `/v1/sales/${saleId}`],
      ['GET', '/v1/sales'],
    ] as const) {
      const response = await call(method, path, 'alice');
      expect({ path, status: response.status, code: response.body.error.code }).toEqual({
        path,
        status: 503,
        code: 'backend_unavailable',
      });
      expect(response.headers['retry-after']).toBe('1');
    }
    faults.down = false;
    expect((await call('GET', `/v1/orders/${orderId}`, 'alice')).body.status).toBe('pending');
  });

  it('answers a pay whose reply was lost with 503, and its retry as paid', async () => {
    const { orderId, saleId } = await reservedOrder('bob');
    faults.replyLost = true;
    const lost = await call('POST', `/v1/orders/${orderId}/pay`, 'bob');
    expect(lost.status).toBe(503);
    expect(lost.body.error.message).toContain('retry');
    faults.replyLost = false;
    const retried = await call('POST', `/v1/orders/${orderId}/pay`, 'bob');
    expect({ status: retried.status, order: retried.body.status }).toEqual({ status: 200, order: 'paid' });
    expect(await backend.ledger.countSale(saleId)).toMatchObject({ held: 0, paid: 1, available: 0 });
  });

  it('answers a cancel whose reply was lost with 503, and its retry as cancelled, the units back once', async () => {
    const { orderId, saleId } = await reservedOrder('carol');
    faults.replyLost = true;
    expect((await call('POST', `/v1/orders/${orderId}/cancel`, 'carol')).status).toBe(503);
    faults.replyLost = false;
    const retried = await call('POST', `/v1/orders/${orderId}/cancel`, 'carol');
    expect({ status: retried.status, order: retried.body.status }).toEqual({
      status: 200,
      order: 'cancelled',
    });
    expect(await backend.ledger.countSale(saleId)).toMatchObject({ held: 0, released: 1, available: 1 });
  });
});

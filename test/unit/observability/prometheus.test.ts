import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeAppDeps } from '../../../src/app/deps.ts';
import {
  LOCAL_CLIENT_ID,
  LOCAL_ISSUER,
  type LocalIssuer,
  loadLocalIssuer,
} from '../../../src/http/auth/local-issuer.ts';
import { createTokenVerifier } from '../../../src/http/auth/token-verifier.ts';
import { createHttpApp } from '../../../src/http/http-app.ts';
import { MAX_BODY_BYTES } from '../../../src/http/types.ts';
import { createEmfMetrics } from '../../../src/observability/emf.ts';
import { createPrometheusMetrics, type PrometheusMetrics } from '../../../src/observability/prometheus.ts';
import { timedStore } from '../../../src/observability/timed-store.ts';
import type { Backend } from '../../../src/ports/backend.ts';
import { createNodeServer, type NodeServer } from '../../../src/runtime/node/http-server.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { saleRequestBody } from '../../support/fixtures.ts';
import { ManualClock } from '../../support/manual-clock.ts';

/** Prometheus and EMF fed by one app behind a real node:http server; the store is an in-memory SQLite. */
describe('metrics of a real server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-metrics-'));
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const emfLines: string[] = [];
  let backend: Backend;
  let issuer: LocalIssuer;
  let prometheus: PrometheusMetrics;
  let server: NodeServer;
  let url: string;
  const emf = createEmfMetrics({
    namespace: 'FlashSale',
    dimensions: { Service: 'test' },
    write: (text) => emfLines.push(...text.trim().split('\n')),
  });

  beforeAll(async () => {
    backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    issuer = await loadLocalIssuer(dir);
    prometheus = createPrometheusMetrics({
      queue: backend.queue,
      inFlight: () => server.inFlight(),
      alarms: () => [{ name: 'http-5xx', alarming: true }],
      now: () => clock.now(),
    });
    const stores = {
      ...backend,
      ledger: timedStore(backend.ledger, (op) => prometheus.backendTimer('ledger', op)),
      orders: backend.orders,
      queue: backend.queue,
      orderProjection: backend.orderProjection,
    };
    const deps = composeAppDeps(stores, {
      clock,
      metrics: prometheus.metrics,
      purchaseLimiter: undefined,
      soldOutBoard: undefined,
      saleCache: false,
    });
    const app = createHttpApp({
      deps,
      verifier: createTokenVerifier({
        jwks: issuer.jwks,
        issuer: LOCAL_ISSUER,
        clientIds: [LOCAL_CLIENT_ID],
      }),
      observe: (route, status, seconds) => {
        prometheus.observeHttp(route, status, seconds);
        emf.observeHttp(route, status, seconds);
      },
    });
    server = createNodeServer(app);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.drain(1_000);
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (method: string, path: string, init: { token?: string; body?: string } = {}) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
        'content-type': 'application/json',
      },
      ...(init.body === undefined ? {} : { body: init.body }),
    });

  /** `flashsale_http_request_duration_seconds_count` by route and status. */
  async function answers(): Promise<Map<string, number>> {
    const { body } = await prometheus.text();
    const counts = new Map<string, number>();
    for (const m of body.matchAll(
      /^flashsale_http_request_duration_seconds_count\{route="([^"]+)",status="(\d+)"\} (\d+)$/gm,
    )) {
      counts.set(`${m[1]} ${m[2]}`, Number(m[3]));
    }
    return counts;
  }

  it('labels every error answered on a matched route with that route, on Prometheus and EMF alike', async () => {
    const shopper = await issuer.sign({ sub: 'ann', admin: false });
    expect((await send('POST', '/v1/sales/s1/purchase', { body: '{}' })).status).toBe(401);
    expect((await send('POST', '/v1/sales/s1/purchase', { token: shopper, body: '{nope' })).status).toBe(400);
    expect(
      (await send('POST', '/v1/sales/s1/purchase', { token: shopper, body: '{"quantity":0}' })).status,
    ).toBe(400);
    expect((await send('POST', '/v1/sales', { token: shopper, body: '{}' })).status).toBe(403);
    expect((await send('GET', '/v1/sales/none')).status).toBe(404);
    expect((await send('DELETE', '/v1/sales/none')).status).toBe(405);
    const oversize = await send('POST', '/v1/sales/s1/purchase', {
      token: shopper,
      body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES + 10) }),
    });
    expect(oversize.status).toBe(413);
    expect((await send('GET', '/no/such/path')).status).toBe(404);

    const counts = await answers();
    expect(Object.fromEntries(counts)).toEqual({
      '/v1/sales/:id/purchase 401': 1,
      '/v1/sales/:id/purchase 400': 2,
      '/v1/sales/:id/purchase 413': 1,
      '/v1/sales 403': 1,
      '/v1/sales/:id 404': 1,
      '/v1/sales/:id 405': 1,
      'unmatched 404': 1,
    });

    emf.flush();
    const routes = emfLines
      .map((line) => JSON.parse(line) as { Route?: string; StatusClass?: string; Requests?: number })
      .filter((doc) => doc.Route !== undefined)
      .map((doc) => `${doc.Route} ${doc.StatusClass} ${doc.Requests}`)
      .sort();
    expect(routes).toEqual([
      '/v1/sales 4xx 1',
      '/v1/sales/:id 4xx 2',
      '/v1/sales/:id/purchase 4xx 4',
      'unmatched 4xx 1',
    ]);
  });

  it('counts an idempotent replay as replayed, not as a second reserved', async () => {
    const admin = await issuer.sign({ sub: 'boss', admin: true });
    const created = await send('POST', '/v1/sales', {
      token: admin,
      body: JSON.stringify(saleRequestBody(clock.now())),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const shopper = await issuer.sign({ sub: 'bob', admin: false });
    const buy = () =>
      send('POST', `/v1/sales/${id}/purchase`, {
        token: shopper,
        body: JSON.stringify({ quantity: 1, idempotencyKey: 'once' }),
      });
    const first = await buy();
    const again = await buy();
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(((await again.json()) as { orderId: string }).orderId).toBe(
      ((await first.json()) as { orderId: string }).orderId,
    );
    const { body } = await prometheus.text();
    expect(body).toMatch(/^flashsale_purchases_total\{outcome="reserved"\} 1$/m);
    expect(body).toMatch(/^flashsale_purchases_total\{outcome="replayed"\} 1$/m);
  });

  it('times store calls, and reports the queue, in-flight requests and alarm states', async () => {
    clock.advance(90_000);
    const { body } = await prometheus.text();
    // Two reserve calls (the purchase and its replay) through the wrapper; openSale once.
    expect(body).toMatch(
      /^flashsale_backend_operation_duration_seconds_count\{store="ledger",operation="reserve"\} 2$/m,
    );
    expect(body).toMatch(
      /^flashsale_backend_operation_duration_seconds_count\{store="ledger",operation="openSale"\} 1$/m,
    );
    // The reservation's created event waits (no worker runs here): queued 90 s ago by the test clock.
    expect(body).toMatch(/^flashsale_queue_depth\{queue="pending"\} 1$/m);
    expect(body).toMatch(/^flashsale_queue_oldest_age_seconds 90$/m);
    expect(body).toMatch(/^flashsale_dead_letters 0$/m);
    expect(body).toMatch(/^flashsale_http_requests_in_flight 0$/m);
    expect(body).toMatch(/^flashsale_alarm_state\{alarm="http-5xx"\} 1$/m);
  });
});

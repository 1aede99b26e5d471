import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KvsEdgeSaleStatus } from '../../../src/adapters/cloudfront-kvs/kvs-edge-sale-status.ts';
import type { AppDeps } from '../../../src/app/deps.ts';
import { EdgeStatusPublisher } from '../../../src/app/edge-status.ts';
import {
  LOCAL_CLIENT_ID,
  LOCAL_ISSUER,
  type LocalIssuer,
  loadLocalIssuer,
} from '../../../src/http/auth/local-issuer.ts';
import { createTokenVerifier } from '../../../src/http/auth/token-verifier.ts';
import { createHttpApp, type HttpApp } from '../../../src/http/http-app.ts';
import type { HttpResponse } from '../../../src/http/types.ts';
import type { Backend } from '../../../src/ports/backend.ts';
import { noMetrics } from '../../../src/ports/metrics.ts';
import { openEmbeddedBackend } from '../../../src/shapes/embedded.ts';
import { saleRequestBody } from '../../support/fixtures.ts';
import { LOCAL_KVS_ARN, LocalKvs } from '../../support/local-kvs.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { isEdgeResponse, loadSaleGate, type SaleGate, viewerRequest } from '../../support/sale-gate.ts';

// The shipped CloudFront Function (infra/edge/sale-gate.js) run in Node against CloudFront's
// viewer-request event, reading the KeyValueStore that the app itself filled through the SDK: each
// refusal is compared, byte for byte, with the origin's answer to the same purchase at the same time.
describe('the edge sale gate (CloudFront Function) against the origin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-edge-'));
  const kvs = new LocalKvs();
  const t0 = Math.floor(Date.now() / 1000) * 1000;
  const clock = new ManualClock(t0);
  let backend: Backend;
  let status: KvsEdgeSaleStatus;
  let issuer: LocalIssuer;
  let app: HttpApp;
  let gate: SaleGate;
  let saleId: string;
  let startsAt: number;
  let winnerOrder: string;

  beforeAll(async () => {
    backend = openEmbeddedBackend({ path: ':memory:', durability: 'normal' });
    status = new KvsEdgeSaleStatus(LOCAL_KVS_ARN, await kvs.clientConfig());
    issuer = await loadLocalIssuer(dir);
    const edgeStatus = new EdgeStatusPublisher({ store: status, ledger: backend.ledger, clock });
    const deps: AppDeps = { ...backend, clock, metrics: noMetrics, purchaseLimiter: undefined, edgeStatus };
    const verifier = createTokenVerifier({
      jwks: issuer.jwks,
      issuer: LOCAL_ISSUER,
      clientIds: [LOCAL_CLIENT_ID],
    });
    app = createHttpApp({ deps, verifier });
    gate = loadSaleGate({ cloudfront: kvs.cloudfront, now: () => clock.now(), random: () => 0.5 });
    startsAt = t0 + 60_000;
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const created = await app.handle({
      method: 'POST',
      url: '/v1/sales',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(
        saleRequestBody(t0, {
          stock: 1,
          perUserLimit: 1,
          startsAt: new Date(startsAt).toISOString(),
          endsAt: new Date(t0 + 3_600_000).toISOString(),
        }),
      ),
    });
    expect(created.status).toBe(201);
    saleId = (JSON.parse(created.body) as { id: string }).id;
  });
  afterAll(async () => {
    status.close();
    await kvs.stop();
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const purchasePath = () => `/v1/sales/${saleId}/purchase`;

  async function originPurchase(user: string, key = `${user}-key`): Promise<HttpResponse> {
    const token = await issuer.sign({ sub: user, admin: false });
    return app.handle({
      method: 'POST',
      url: purchasePath(),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ quantity: 1, idempotencyKey: key }),
    });
  }

  async function edgePurchase(headers: Record<string, string> = {}) {
    return gate(viewerRequest('POST', purchasePath(), { authorization: 'Bearer x', ...headers }));
  }

  async function expectSameRefusal(status: number) {
    const origin = await originPurchase('loser');
    const edge = await edgePurchase();
    expect(origin.status).toBe(status);
    if (!isEdgeResponse(edge))
      throw new Error(`the edge passed a purchase the origin refused with ${status}`);
    expect(edge.statusCode).toBe(origin.status);
    expect(edge.body).toEqual({ encoding: 'text', data: origin.body });
    expect(edge.headers['content-type']?.value).toBe(origin.headers['content-type']);
    expect(edge.headers['x-request-id']?.value).toBe('edge-request-1');
  }

  it('publishes the start when the sale is created', () => {
    expect(kvs.items.get(`start:${saleId}`)).toBe(JSON.stringify({ startsAt }));
  });

  it('refuses before the start with the origin’s not_started answer, byte for byte', async () => {
    clock.set(t0);
    await expectSameRefusal(403);
  });

  it('sends a purchase on when the start is closer than the clock margin (the edge’s clock may be late)', async () => {
    clock.set(startsAt - 1_500);
    const edge = await edgePurchase();
    expect(isEdgeResponse(edge)).toBe(false);
  });

  it('sends purchases on while the sale is live, and the first one wins at the origin', async () => {
    clock.set(startsAt + 1_000);
    expect(isEdgeResponse(await edgePurchase())).toBe(false);
    const won = await originPurchase('winner');
    expect(won.status).toBe(201);
    winnerOrder = (JSON.parse(won.body) as { orderId: string }).orderId;
  });

  it('refuses once sold out with the origin’s sold_out answer, only after the origin said so', async () => {
    expect(kvs.items.has(`sold_out:${saleId}`)).toBe(false);
    const first = await originPurchase('first-loser');
    expect(first.status).toBe(409);
    await vi.waitFor(() => expect(kvs.items.has(`sold_out:${saleId}`)).toBe(true));
    await expectSameRefusal(409);
  });

  it('sends on a retried purchase, whose first answer only the origin knows', async () => {
    expect(isEdgeResponse(await edgePurchase({ 'x-purchase-retry': '1' }))).toBe(false);
    const replay = await originPurchase('winner');
    expect(replay.status).toBe(201);
  });

  it('sends on other methods and paths', async () => {
    for (const [method, uri] of [
      ['GET', purchasePath()],
      ['POST', '/v1/sales'],
      ['POST', `/v1/sales/${saleId}/purchase/extra`],
      ['OPTIONS', purchasePath()],
    ] as const) {
      expect(isEdgeResponse(await gate(viewerRequest(method, uri)))).toBe(false);
    }
  });

  it('lets a sample through near the end of a mark, so the origin renews it before it runs out', async () => {
    const until = (JSON.parse(kvs.items.get(`sold_out:${saleId}`)!) as { until: number }).until;
    const sampled = loadSaleGate({
      cloudfront: kvs.cloudfront,
      now: () => until - 10_000,
      random: () => 0.001,
    });
    const unsampled = loadSaleGate({
      cloudfront: kvs.cloudfront,
      now: () => until - 10_000,
      random: () => 0.5,
    });
    const early = loadSaleGate({
      cloudfront: kvs.cloudfront,
      now: () => until - 30_000,
      random: () => 0.001,
    });
    const event = viewerRequest('POST', purchasePath());
    expect(isEdgeResponse(await sampled(event))).toBe(false);
    expect(isEdgeResponse(await unsampled(event))).toBe(true);
    expect(isEdgeResponse(await early(event))).toBe(true);
  });

  it('never refuses from a stale store: an expired mark, an unreadable value, a failing store', async () => {
    const key = `sold_out:${saleId}`;
    const mark = kvs.items.get(key)!;
    const until = (JSON.parse(mark) as { until: number }).until;
    const expired = loadSaleGate({ cloudfront: kvs.cloudfront, now: () => until - 1_000 });
    expect(isEdgeResponse(await expired(viewerRequest('POST', purchasePath())))).toBe(false);
    for (const odd of ['not json', '{"until":"soon"}', 'null', '42']) {
      kvs.items.set(key, odd);
      expect(isEdgeResponse(await edgePurchase())).toBe(false);
    }
    kvs.items.set(key, mark);
    const failing = loadSaleGate({
      cloudfront: { kvs: () => ({ get: () => Promise.reject(new Error('store unreachable')) }) },
      now: () => clock.now(),
    });
    expect(isEdgeResponse(await failing(viewerRequest('POST', purchasePath())))).toBe(false);
    expect(isEdgeResponse(await edgePurchase())).toBe(true);
  });

  it('stops refusing when units come back, before they can be sold again', async () => {
    const token = await issuer.sign({ sub: 'winner', admin: false });
    const cancelled = await app.handle({
      method: 'POST',
      url: `/v1/orders/${winnerOrder}/cancel`,
      headers: { authorization: `Bearer ${token}` },
      body: '',
    });
    expect(cancelled.status).toBe(200);
    expect(kvs.items.has(`sold_out:${saleId}`)).toBe(false);
    expect(isEdgeResponse(await edgePurchase())).toBe(false);
    expect((await originPurchase('late-shopper')).status).toBe(201);
  });

  it('marks GET /v1/sales/{id} cacheable for a second', async () => {
    const read = await app.handle({ method: 'GET', url: `/v1/sales/${saleId}`, headers: {}, body: '' });
    expect(read.status).toBe(200);
    expect(read.headers['cache-control']).toBe('public, max-age=1');
  });
});

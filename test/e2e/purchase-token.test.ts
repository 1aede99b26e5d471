import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('a sale created with purchaseToken, over HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--rate-limit-per-second', '0'] });
  });
  afterAll(() => server.close());

  const buy = (saleId: string, token: string, key: string, purchaseToken?: string) =>
    api(server.url, `/v1/sales/${saleId}/purchase`, {
      method: 'POST',
      token,
      body: { quantity: 1, idempotencyKey: key },
      ...(purchaseToken === undefined ? {} : { headers: { 'x-purchase-token': purchaseToken } }),
    });

  it('hands a signed-in shopper their token on the sale page, and takes only that token', async () => {
    const sale = await server.createSale({ stock: 3, purchaseToken: true });
    expect(sale.purchaseToken).toBe(true);
    const [ann, bob] = await Promise.all([server.token('ann'), server.token('bob')]);

    const anonymous = await api(server.url, `/v1/sales/${sale.id}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.json.purchaseToken).toBe(true);
    expect(anonymous.json.yourPurchaseToken).toBeUndefined();
    const forAnn = (await api(server.url, `/v1/sales/${sale.id}`, { token: ann })).json.yourPurchaseToken;
    const forBob = (await api(server.url, `/v1/sales/${sale.id}`, { token: bob })).json.yourPurchaseToken;
    expect(typeof forAnn).toBe('string');
    expect(forAnn).not.toBe(forBob);
    // A credential that does not verify is refused, not ignored.
    expect((await api(server.url, `/v1/sales/${sale.id}`, { token: 'not.a.jwt' })).status).toBe(401);

    const missing = await buy(sale.id, ann, 'k1');
    expect(missing.status).toBe(403);
    expect(missing.json.error.code).toBe('purchase_token_required');
    const borrowed = await buy(sale.id, ann, 'k2', forBob);
    expect(borrowed.status).toBe(403);
    expect(borrowed.json.error.code).toBe('purchase_token_invalid');
    expect((await api(server.url, `/v1/sales/${sale.id}`)).json.available).toBe(3);

    const bought = await buy(sale.id, ann, 'k3', forAnn);
    expect(bought.status).toBe(201);
    expect((await api(server.url, `/v1/sales/${sale.id}`)).json.available).toBe(2);
  });

  it('keeps the plain API: a sale without purchaseToken sells without the header', async () => {
    const sale = await server.createSale({ stock: 2 });
    expect(sale.purchaseToken).toBe(false);
    const ann = await server.token('ann');
    expect(
      (await api(server.url, `/v1/sales/${sale.id}`, { token: ann })).json.yourPurchaseToken,
    ).toBeUndefined();
    expect((await buy(sale.id, ann, 'plain')).status).toBe(201);
  });

  it('hands out no token before the start; an early purchase hears not_started', async () => {
    const sale = await server.createSale({
      purchaseToken: true,
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 7_200_000).toISOString(),
    });
    const ann = await server.token('ann');
    const page = await api(server.url, `/v1/sales/${sale.id}`, { token: ann });
    expect(page.json.status).toBe('upcoming');
    expect(page.json.yourPurchaseToken).toBeUndefined();
    const early = await buy(sale.id, ann, 'early');
    expect(early.status).toBe(403);
    expect(early.json.error.code).toBe('not_started');
  });

  it('documents the field, the token and the header in /openapi.json', async () => {
    const doc = (await api(server.url, '/openapi.json')).json;
    expect(doc.components.schemas.CreateSale.properties.purchaseToken).toMatchObject({
      type: 'boolean',
      default: false,
    });
    expect(doc.components.schemas.Sale.properties.purchaseToken.type).toBe('boolean');
    expect(doc.components.schemas.Sale.properties.yourPurchaseToken.type).toBe('string');
    const purchase = doc.paths['/v1/sales/{id}/purchase'].post;
    expect(purchase.parameters).toContainEqual(
      expect.objectContaining({ name: 'X-Purchase-Token', in: 'header' }),
    );
    expect(doc.paths['/v1/sales/{id}'].get.security).toEqual([{}, { bearer: [] }]);
  });
});

describe('purchase tokens across HTTP threads', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--http-threads', '2', '--rate-limit-per-second', '0'] });
  });
  afterAll(() => server.close());

  it('are the same whichever thread hands one out or checks it (one secret per process)', async () => {
    const sale = await server.createSale({ stock: 40, perUserLimit: 40, purchaseToken: true });
    const ann = await server.token('ann');
    const handedOut = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const page = await api(server.url, `/v1/sales/${sale.id}`, {
        token: ann,
        headers: { connection: 'close' },
      });
      handedOut.add(page.json.yourPurchaseToken);
    }
    expect(handedOut.size).toBe(1);
    const [token] = handedOut;
    const statuses = [];
    for (let i = 0; i < 20; i++) {
      const response = await api(server.url, `/v1/sales/${sale.id}/purchase`, {
        method: 'POST',
        token: ann,
        body: { quantity: 1, idempotencyKey: `t${i}` },
        headers: { connection: 'close', 'x-purchase-token': token! },
      });
      statuses.push(response.status);
    }
    expect(statuses.every((s) => s === 201)).toBe(true);
    const snapshots = await server.node.httpThreads!.snapshots();
    const byExtra = snapshots
      .flat()
      .filter((m) => m.name === 'flashsale_purchases_total')
      .flatMap((m) => m.values)
      .reduce((sum, v) => sum + v.value, 0);
    expect(byExtra).toBeGreaterThan(0);
  });
});

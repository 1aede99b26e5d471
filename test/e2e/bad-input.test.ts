import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('bad input', () => {
  let server: TestServer;
  let admin: string;
  let shopper: string;
  let saleId: string;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--rate-limit-per-second', '0'] });
    admin = await server.adminToken();
    shopper = await server.token('probe');
    saleId = (await server.createSale({ stock: 10, perUserLimit: 2 })).id;
  });
  afterAll(() => server.close());

  const purchase = (body: unknown, headers?: Record<string, string>) =>
    api(server.url, `/v1/sales/${saleId}/purchase`, {
      method: 'POST',
      token: shopper,
      body,
      ...(headers === undefined ? {} : { headers }),
    });

  async function books() {
    const sale = await api(server.url, `/v1/sales/${saleId}`);
    const audit = await api(server.url, `/v1/sales/${saleId}/audit`, { token: admin });
    return { available: sale.json.available, reservations: audit.json.reservations, ok: audit.json.ok };
  }

  it.each([
    ['malformed JSON', '{"quantity": 1,', 400, 'invalid_json'],
    ['an empty body', '', 400, 'invalid_json'],
    ['a JSON array', '[1]', 400, 'validation_failed'],
    ['null', 'null', 400, 'validation_failed'],
    ['a quantity as a string', { quantity: '2', idempotencyKey: 'k' }, 400, 'validation_failed'],
    ['a zero quantity', { quantity: 0, idempotencyKey: 'k' }, 400, 'validation_failed'],
    ['a negative quantity', { quantity: -1, idempotencyKey: 'k' }, 400, 'validation_failed'],
    ['a fractional quantity', { quantity: 1.5, idempotencyKey: 'k' }, 400, 'validation_failed'],
    ['a huge quantity', { quantity: 10 ** 9, idempotencyKey: 'k' }, 400, 'validation_failed'],
    ['a quantity above the per-user limit', { quantity: 3, idempotencyKey: 'k' }, 409, 'limit_exceeded'],
    ['no idempotency key', { quantity: 1 }, 400, 'validation_failed'],
    ['an idempotency key with spaces', { quantity: 1, idempotencyKey: 'a b' }, 400, 'validation_failed'],
    ['an unknown field', { quantity: 1, idempotencyKey: 'k', price: 0 }, 400, 'validation_failed'],
    [
      'a body over 16 KiB',
      { quantity: 1, idempotencyKey: 'k', pad: 'x'.repeat(17_000) },
      413,
      'payload_too_large',
    ],
  ])('refuses %s without writing anything', async (_name, body, status, code) => {
    const before = await books();
    const response = await purchase(body);
    expect(response.status).toBe(status);
    expect(response.json.error.code).toBe(code);
    expect(response.json.error.message).toEqual(expect.any(String));
    expect(await books()).toEqual(before);
  });

  it('lists every validation issue in the details', async () => {
    const response = await purchase({ quantity: 'x', extra: true });
    expect(response.json.error.details.issues.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a body that is not JSON by content type', async () => {
    const response = await purchase('{"quantity":1,"idempotencyKey":"k"}', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(response.json.error.code).toBe('unsupported_media_type');
  });

  it('takes application/json with a utf-8 charset only, and refuses a body without a content type', async () => {
    const before = await books();
    const body = '{"quantity":1,"idempotencyKey":"typed"}';
    const answers: Record<string, number> = {};
    for (const type of [
      'application/json-seq',
      'application/merge-patch+json',
      'application/json; charset=latin1',
      'application/json; profile=x',
      'text/json',
    ]) {
      answers[type] = (await purchase(body, { 'content-type': type })).status;
    }
    // A Uint8Array body makes fetch send no Content-Type at all.
    const untyped = await fetch(`${server.url}/v1/sales/${saleId}/purchase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${shopper}` },
      body: new TextEncoder().encode(body),
    });
    answers.none = untyped.status;
    expect(((await untyped.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
    expect(Object.values(answers)).toEqual(Object.values(answers).map(() => 415));
    expect(await books()).toEqual(before);
    const typed = await purchase(body, { 'content-type': 'Application/JSON; charset="UTF-8"' });
    expect(typed.status).toBe(201);
  });

  it('refuses a reused idempotency key with a different quantity', async () => {
    expect((await purchase({ quantity: 1, idempotencyKey: 'reuse' })).status).toBe(201);
    const before = await books();
    const response = await purchase({ quantity: 2, idempotencyKey: 'reuse' });
    expect(response.status).toBe(422);
    expect(response.json.error.code).toBe('idempotency_conflict');
    expect(await books()).toEqual(before);
  });

  it('answers unknown ids, paths and methods with 404 and 405', async () => {
    const cases: Array<[string, string, number, string]> = [
      ['POST', '/v1/sales/nope/purchase', 404, 'sale_not_found'],
      ['GET', '/v1/sales/nope', 404, 'sale_not_found'],
      ['GET', '/v1/sales/nope/audit', 404, 'sale_not_found'],
      ['GET', '/v1/orders/nope', 404, 'order_not_found'],
      ['POST', '/v1/orders/nope/pay', 404, 'order_not_found'],
      ['GET', '/v2/anything', 404, 'not_found'],
      ['DELETE', `/v1/sales/${saleId}`, 405, 'method_not_allowed'],
    ];
    for (const [method, path, status, code] of cases) {
      const response = await api(server.url, path, {
        method,
        token: path.includes('audit') ? admin : shopper,
        ...(path.endsWith('purchase') ? { body: { quantity: 1, idempotencyKey: 'k' } } : {}),
      });
      expect(response.status, `${method} ${path}`).toBe(status);
      expect(response.json.error.code, `${method} ${path}`).toBe(code);
    }
    const deleted = await api(server.url, `/v1/sales/${saleId}`, { method: 'DELETE' });
    expect(deleted.headers.get('allow')).toBe('GET');
  });

  it('refuses an inconsistent or malformed sale', async () => {
    const now = Date.now();
    const valid = {
      sku: 'S',
      name: 'n',
      stock: 5,
      startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + 60_000).toISOString(),
      perUserLimit: 1,
      priceCents: 100,
      currency: 'EUR',
      paymentWindowSeconds: 60,
    };
    const create = (body: unknown) => api(server.url, '/v1/sales', { method: 'POST', token: admin, body });
    const backwards = await create({ ...valid, endsAt: new Date(now - 60_000).toISOString() });
    expect([backwards.status, backwards.json.error.code]).toEqual([422, 'invalid_sale']);
    for (const bad of [{ stock: -5 }, { currency: 'euro' }, { startsAt: 'tomorrow' }, { perUserLimit: 0 }]) {
      const response = await create({ ...valid, ...bad });
      expect([response.status, response.json.error.code], JSON.stringify(bad)).toEqual([
        400,
        'validation_failed',
      ]);
    }
    const sales = await api(server.url, '/v1/sales');
    expect(sales.json.sales).toHaveLength(1);
  });

  it('serves an OpenAPI document generated from the request schemas', async () => {
    const doc = (await api(server.url, '/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    const purchaseOp = doc.paths['/v1/sales/{id}/purchase'].post;
    const ref: string = purchaseOp.requestBody.content['application/json'].schema.$ref;
    expect(ref).toBe('#/components/schemas/Purchase');
    const schema = doc.components.schemas.Purchase;
    expect(Object.keys(schema.properties).sort()).toEqual(['idempotencyKey', 'quantity']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(purchaseOp.responses)).toEqual(expect.arrayContaining(['201', '409', '429']));
  });

  it('answers health, readiness and metrics', async () => {
    expect((await api(server.url, '/healthz')).json).toEqual({ status: 'ok' });
    expect((await api(server.url, '/readyz')).json).toEqual({ status: 'ready' });
    const metrics = await api(server.url, '/metrics');
    expect(metrics.text).toMatch(/flashsale_purchases_total\{outcome="reserved"\} \d+/);
    expect(metrics.text).toContain('flashsale_queue_depth{queue="dead_letter"}');
  });
});

describe('the purchase rate limit', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      flags: ['--rate-limit-per-second', '0.001', '--rate-limit-burst', '2'],
    });
  });
  afterAll(() => server.close());

  it('answers 429 with Retry-After once a shopper spent the burst, and spares other shoppers', async () => {
    const sale = await server.createSale({ stock: 10, perUserLimit: 5 });
    const hasty = await server.token('hasty');
    const attempt = (token: string, key: string) =>
      api(server.url, `/v1/sales/${sale.id}/purchase`, {
        method: 'POST',
        token,
        body: { quantity: 1, idempotencyKey: key },
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await attempt(hasty, `h${i}`)).status);
    expect(statuses).toEqual([201, 201, 429, 429]);
    const limited = await attempt(hasty, 'h9');
    expect(limited.status).toBe(429);
    expect(limited.json.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await attempt(await server.token('calm'), 'c')).status).toBe(201);
  });
});

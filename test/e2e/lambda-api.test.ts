import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import { composeLambda, primeOnInit } from '../../src/runtime/lambda/compose.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { cognitoClaims, type HttpApiCall, httpApiEvent } from '../support/lambda-events.ts';
import { lambdaConfigFor, lambdaRuntime } from '../support/lambda-runtime.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalAws, startLocalAws } from '../support/local-aws.ts';

describe('the API Lambda handler (HTTP API payload 2.0 events)', () => {
  let aws: LocalAws;
  let runtime: ReturnType<typeof lambdaRuntime>;
  let handler: ReturnType<typeof createApiHandler>;
  const admin = cognitoClaims('ops-1', ['admin', 'shoppers']);
  const alice = cognitoClaims('alice', ['shoppers']);

  beforeAll(async () => {
    aws = await startLocalAws();
    runtime = lambdaRuntime(aws, await aws.createResources());
    handler = createApiHandler(runtime);
  });
  afterAll(async () => {
    await runtime.backend.close();
    await aws.stop();
  });

  async function call(c: HttpApiCall) {
    const result = await handler(httpApiEvent(c), { awsRequestId: 'test' });
    // biome-ignore lint/suspicious/noExplicitAny: response JSON inspected freely
    let json: any;
    try {
      json = JSON.parse(result.body ?? '');
    } catch {
      json = undefined;
    }
    return { ...result, json };
  }

  async function newSale(overrides: Record<string, unknown> = {}) {
    const created = await call({
      method: 'POST',
      path: '/v1/sales',
      body: saleRequestBody(Date.now(), overrides),
      claims: admin,
    });
    expect(created.statusCode).toBe(201);
    return created.json as { id: string };
  }

  it('serves the same routes as the Node server: health, OpenAPI, sales', async () => {
    expect((await call({ method: 'GET', path: '/healthz' })).statusCode).toBe(200);
    expect((await call({ method: 'GET', path: '/readyz' })).statusCode).toBe(200);
    const openApi = await call({ method: 'GET', path: '/openapi.json' });
    expect(openApi.json.paths['/v1/sales/{id}/purchase']).toBeDefined();
    const sale = await newSale({ stock: 7 });
    const read = await call({ method: 'GET', path: `/v1/sales/${sale.id}?fields=all` });
    expect(read.statusCode).toBe(200);
    expect(read.headers?.['content-type']).toContain('application/json');
    expect(read.json).toMatchObject({ id: sale.id, status: 'live', available: 7 });
    const list = await call({ method: 'GET', path: '/v1/sales' });
    expect(list.json.sales.map((s: { id: string }) => s.id)).toContain(sale.id);
  });

  it('buys, reads, pays and cancels as the shopper the authorizer verified', async () => {
    const sale = await newSale({ stock: 5, perUserLimit: 2 });
    const bought = await call({
      method: 'POST',
      path: `/v1/sales/${sale.id}/purchase`,
      body: { quantity: 1, idempotencyKey: 'k-1' },
      claims: alice,
    });
    expect(bought.statusCode).toBe(201);
    expect(bought.json).toMatchObject({ status: 'reserved', quantity: 1 });
    const again = await call({
      method: 'POST',
      path: `/v1/sales/${sale.id}/purchase`,
      body: { quantity: 1, idempotencyKey: 'k-1' },
      claims: alice,
    });
    expect(again.statusCode).toBe(201);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(again.json.orderId).toBe(bought.json.orderId);

    const order = await call({ method: 'GET', path: `/v1/orders/${bought.json.orderId}`, claims: alice });
    expect(order.json).toMatchObject({ status: 'pending', userId: 'alice' });
    const mallory = cognitoClaims('mallory');
    expect(
      (await call({ method: 'GET', path: `/v1/orders/${bought.json.orderId}`, claims: mallory })).statusCode,
    ).toBe(404);
    const paid = await call({ method: 'POST', path: `/v1/orders/${bought.json.orderId}/pay`, claims: alice });
    expect(paid.json.status).toBe('paid');

    const second = await call({
      method: 'POST',
      path: `/v1/sales/${sale.id}/purchase`,
      body: { quantity: 1, idempotencyKey: 'k-2' },
      claims: alice,
      base64: true,
    });
    expect(second.statusCode).toBe(201);
    const cancelled = await call({
      method: 'POST',
      path: `/v1/orders/${second.json.orderId}/cancel`,
      claims: alice,
    });
    expect(cancelled.json.status).toBe('cancelled');
    const audit = await call({ method: 'GET', path: `/v1/sales/${sale.id}/audit`, claims: admin });
    expect(audit.json).toMatchObject({ ok: true, initial: 5, available: 4, paid: 1, held: 0, released: 1 });
  });

  it('takes the actor only from the verified claims, never from a header', async () => {
    const sale = await newSale();
    const body = { quantity: 1, idempotencyKey: 'x' };
    const noClaims = await call({ method: 'POST', path: `/v1/sales/${sale.id}/purchase`, body });
    expect(noClaims.statusCode).toBe(401);
    expect(noClaims.json.error.code).toBe('unauthorized');
    // A bearer token in the header is not looked at: API Gateway verified (or refused) it already.
    const forged = await call({
      method: 'POST',
      path: `/v1/sales/${sale.id}/purchase`,
      body,
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUifQ.' },
    });
    expect(forged.statusCode).toBe(401);
    const shopperOnAdminRoute = await call({
      method: 'POST',
      path: '/v1/sales',
      body: saleRequestBody(Date.now()),
      claims: alice,
    });
    expect(shopperOnAdminRoute.statusCode).toBe(403);
    const arrayGroups = await call({
      method: 'GET',
      path: `/v1/sales/${sale.id}/audit`,
      claims: { ...alice, sub: 'ops-2', 'cognito:groups': ['admin'] },
    });
    expect(arrayGroups.statusCode).toBe(200);
  });

  it('answers bad input and unknown routes like the Node server', async () => {
    const sale = await newSale();
    const badJson = await call({
      method: 'POST',
      path: `/v1/sales/${sale.id}/purchase`,
      body: '{oops',
      claims: alice,
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json.error.code).toBe('invalid_json');
    expect((await call({ method: 'GET', path: '/nope' })).statusCode).toBe(404);
    const wrongMethod = await call({ method: 'DELETE', path: `/v1/sales/${sale.id}` });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers?.allow).toBe('GET');
    const head = await call({ method: 'HEAD', path: '/healthz' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('writes CloudWatch Embedded Metric Format lines per invocation', async () => {
    runtime.metricLines.length = 0;
    await call({ method: 'GET', path: '/healthz' });
    expect(runtime.metricLines).toHaveLength(1);
    const doc = JSON.parse(runtime.metricLines[0]!);
    expect(doc._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'FlashSaleTest',
      Dimensions: [['Service', 'Route', 'StatusClass']],
      Metrics: [
        { Name: 'Requests', Unit: 'Count' },
        { Name: 'Latency', Unit: 'Milliseconds' },
      ],
    });
    expect(doc).toMatchObject({ Service: 'test', Route: '/healthz', StatusClass: '2xx', Requests: 1 });
    expect(typeof doc.Latency).toBe('number');
  });

  it('primes the SDK at init without ever hanging on a store that does not answer', async () => {
    // A local socket that accepts and never replies.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const base = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const stuck = composeLambda(lambdaConfigFor(await aws.createResources()), {
      clients: { dynamodb: { ...base, endpoint: `http://127.0.0.1:${port}` }, sqs: base },
    });
    const started = performance.now();
    await primeOnInit(stuck, 200);
    expect(performance.now() - started).toBeLessThan(1_000);
    await stuck.backend.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    // Against the real (local) store it completes.
    await primeOnInit(runtime);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/ports/logger.ts';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import { composeLambda, type LambdaRuntime } from '../../src/runtime/lambda/compose.ts';
import { createSweepHandler } from '../../src/runtime/lambda/sweep-handler.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { cognitoClaims, type HttpApiCall, httpApiEvent } from '../support/lambda-events.ts';
import { lambdaConfigFor } from '../support/lambda-runtime.ts';
import { type LocalAws, startLocalAws } from '../support/local-aws.ts';
import { LOCAL_KVS_ARN, LocalKvs } from '../support/local-kvs.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { isEdgeResponse, loadSaleGate, viewerRequest } from '../support/sale-gate.ts';

// The API and sweeper functions as the stack configures them (EDGE_STATUS_STORE_ARN set), on dynalite
// and fauxqs, publishing to a local KeyValueStore through the SDK loaded on first use.
describe('the Lambda functions publishing sale status to the edge', () => {
  let aws: LocalAws;
  const kvs = new LocalKvs();
  const clock = new ManualClock();
  let runtime: LambdaRuntime;
  let api: ReturnType<typeof createApiHandler>;
  let sweep: ReturnType<typeof createSweepHandler>;
  const admin = cognitoClaims('ops-1', ['admin']);

  beforeAll(async () => {
    aws = await startLocalAws();
    const resources = await aws.createResources();
    runtime = composeLambda(lambdaConfigFor(resources, { edgeStatusStoreArn: LOCAL_KVS_ARN }), {
      clients: aws.backendOptions(resources).clients,
      kvsClient: await kvs.clientConfig(),
      logger: silentLogger,
      writeMetrics: () => {},
      clock,
    });
    api = createApiHandler(runtime);
    sweep = createSweepHandler(runtime);
  });
  afterAll(async () => {
    await runtime.backend.close();
    await aws.stop();
    await kvs.stop();
  });

  const call = (c: HttpApiCall) => api(httpApiEvent(c), { awsRequestId: 'test' });
  const buy = (saleId: string, user: string) =>
    call({
      method: 'POST',
      path: `/v1/sales/${saleId}/purchase`,
      body: { quantity: 1, idempotencyKey: `${user}-k` },
      claims: cognitoClaims(user, ['shoppers']),
    });

  it('publishes start and sold out, the edge refuses as the function did, and an expiry clears it', async () => {
    const created = await call({
      method: 'POST',
      path: '/v1/sales',
      body: saleRequestBody(clock.now(), { stock: 1, perUserLimit: 1, paymentWindowSeconds: 60 }),
      claims: admin,
    });
    expect(created.statusCode).toBe(201);
    const { id, startsAt } = JSON.parse(created.body ?? '') as { id: string; startsAt: string };
    expect(kvs.items.get(`start:${id}`)).toBe(JSON.stringify({ startsAt: Date.parse(startsAt) }));

    expect((await buy(id, 'winner')).statusCode).toBe(201);
    const lost = await buy(id, 'loser');
    expect(lost.statusCode).toBe(409);
    await expect.poll(() => kvs.items.has(`sold_out:${id}`)).toBe(true);

    const gate = loadSaleGate({ cloudfront: kvs.cloudfront, now: () => clock.now(), random: () => 0.5 });
    const refused = await gate(viewerRequest('POST', `/v1/sales/${id}/purchase`));
    if (!isEdgeResponse(refused)) throw new Error('the edge passed a purchase of a sold-out sale');
    expect(refused.statusCode).toBe(409);
    expect(refused.body.data).toBe(lost.body);

    clock.advance(61_000);
    expect(await sweep({})).toEqual({ expired: 1, relayed: 0 });
    expect(kvs.items.has(`sold_out:${id}`)).toBe(false);
    expect(isEdgeResponse(await gate(viewerRequest('POST', `/v1/sales/${id}/purchase`)))).toBe(false);
    expect((await buy(id, 'second-chance')).statusCode).toBe(201);
  });
});

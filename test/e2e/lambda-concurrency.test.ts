import { DynamoDBClient, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { inParallel } from '../support/http-client.ts';
import { cognitoClaims, httpApiEvent } from '../support/lambda-events.ts';
import { lambdaRuntime } from '../support/lambda-runtime.ts';
import {
  type AwsResources,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalAws,
  startLocalAws,
} from '../support/local-aws.ts';

const admin = cognitoClaims('ops', ['admin']);

describe('a stampede through the Lambda handler path (DynamoDB ledger, S = 4 stock shards)', () => {
  let aws: LocalAws;
  let dynamodb: DynamoDBClient;
  const runtimes: Array<ReturnType<typeof lambdaRuntime>> = [];

  beforeAll(async () => {
    aws = await startLocalAws();
    dynamodb = new DynamoDBClient({
      endpoint: aws.dynamodbEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
  });
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.backend.close();
    dynamodb.destroy();
    await aws.stop();
  });

  function handlers(resources: AwsResources, environments: number, random?: () => number) {
    return Array.from({ length: environments }, () => {
      const runtime = lambdaRuntime(aws, resources, {
        config: { stockShards: 4 },
        ...(random ? { random } : {}),
      });
      runtimes.push(runtime);
      return createApiHandler(runtime);
    });
  }

  async function invoke(
    handler: ReturnType<typeof createApiHandler>,
    method: string,
    path: string,
    body?: unknown,
    claims = admin,
  ) {
    const result = await handler(httpApiEvent({ method, path, body, claims }));
    return { status: result.statusCode ?? 0, json: JSON.parse(result.body ?? 'null') };
  }

  async function shardStocks(resources: AwsResources, saleId: string): Promise<number[]> {
    return Promise.all(
      [0, 1, 2, 3].map(async (n) => {
        const { Item } = await dynamodb.send(
          new GetItemCommand({
            TableName: resources.ledgerTable,
            Key: { pk: { S: `S#${saleId}#${n}` } },
            ConsistentRead: true,
          }),
        );
        return Number(Item?.stock?.N);
      }),
    );
  }

  it('sells exactly 100 units to 2,000 attempts from 500 shoppers over 4 execution environments', async () => {
    const resources = await aws.createResources();
    const fleet = handlers(resources, 4);
    const sale = (
      await invoke(
        fleet[0]!,
        'POST',
        '/v1/sales',
        saleRequestBody(Date.now(), { stock: 100, perUserLimit: 2 }),
      )
    ).json;
    expect(await shardStocks(resources, sale.id)).toEqual([25, 25, 25, 25]);

    const attempts = Array.from(
      { length: 2000 },
      (_, i) => () =>
        invoke(
          fleet[i % 4]!,
          'POST',
          `/v1/sales/${sale.id}/purchase`,
          { quantity: 1, idempotencyKey: `a-${i}` },
          cognitoClaims(`crowd-${i % 500}`),
        ),
    );
    const responses = await inParallel(250, attempts);

    expect(responses.filter((r) => r.status >= 500)).toEqual([]);
    const reserved = responses.filter((r) => r.status === 201);
    expect(reserved).toHaveLength(100);
    expect(new Set(reserved.map((r) => r.json.orderId)).size).toBe(100);
    const codes = new Set(responses.filter((r) => r.status !== 201).map((r) => r.json.error.code));
    expect([...codes].every((code) => code === 'sold_out' || code === 'limit_exceeded')).toBe(true);
    const perUser = new Map<number, number>();
    responses.forEach((r, i) => {
      if (r.status === 201) perUser.set(i % 500, (perUser.get(i % 500) ?? 0) + 1);
    });
    expect(Math.max(...perUser.values())).toBeLessThanOrEqual(2);

    const audit = await invoke(fleet[1]!, 'GET', `/v1/sales/${sale.id}/audit`);
    expect(audit.json).toMatchObject({
      ok: true,
      initial: 100,
      available: 0,
      held: 100,
      paid: 0,
      reservations: 100,
      violations: [],
    });
    expect(await shardStocks(resources, sale.id)).toEqual([0, 0, 0, 0]);
    // The load was spread: every shard sold its 25 units (one partition each under DynamoDB's ~1,000 writes/s).
    const perShard = await Promise.all(
      [0, 1, 2, 3].map(async (n) => {
        const page = await dynamodb.send(
          new QueryCommand({
            TableName: resources.ledgerTable,
            IndexName: 'bySale',
            KeyConditionExpression: 'saleShard = :s',
            ExpressionAttributeValues: { ':s': { S: `${sale.id}#${n}` } },
            Select: 'COUNT',
          }),
        );
        return page.Count;
      }),
    );
    expect(perShard).toEqual([25, 25, 25, 25]);
    expect((await invoke(fleet[2]!, 'GET', `/v1/sales/${sale.id}`)).json).toMatchObject({
      status: 'sold_out',
      available: 0,
    });
  });

  it('answers sold_out only once every shard is empty, whichever shard a purchase tries first', async () => {
    const resources = await aws.createResources();
    // Every purchase tries the last shard first; 5 units split as [2, 1, 1, 1].
    const [handler] = handlers(resources, 1, () => 0.99);
    const sale = (
      await invoke(handler!, 'POST', '/v1/sales', saleRequestBody(Date.now(), { stock: 5, perUserLimit: 1 }))
    ).json;
    const buy = (user: string) =>
      invoke(
        handler!,
        'POST',
        `/v1/sales/${sale.id}/purchase`,
        { quantity: 1, idempotencyKey: 'k' },
        cognitoClaims(user),
      );
    const after: number[][] = [await shardStocks(resources, sale.id)];
    for (let u = 1; u <= 5; u++) {
      expect((await buy(`u${u}`)).status).toBe(201);
      after.push(await shardStocks(resources, sale.id));
    }
    expect(after).toEqual([
      [2, 1, 1, 1],
      [2, 1, 1, 0], // the first shard tried
      [1, 1, 1, 0], // it is empty: the next one, round the ring
      [0, 1, 1, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ]);
    expect((await buy('u6')).json.error.code).toBe('sold_out');
  });

  it('gathers a multi-unit purchase over shards when no single shard holds it all', async () => {
    const resources = await aws.createResources();
    const [handler] = handlers(resources, 1);
    const sale = (
      await invoke(handler!, 'POST', '/v1/sales', saleRequestBody(Date.now(), { stock: 4, perUserLimit: 3 }))
    ).json;
    const buy = (user: string, quantity: number) =>
      invoke(
        handler!,
        'POST',
        `/v1/sales/${sale.id}/purchase`,
        { quantity, idempotencyKey: 'k' },
        cognitoClaims(user),
      );
    const gathered = await buy('v1', 3); // shards hold 1 each: three of them give one unit
    expect(gathered.status).toBe(201);
    const short = await buy('v2', 2);
    expect(short.json.error).toMatchObject({ code: 'insufficient_stock', details: { available: 1 } });
    expect((await buy('v2', 1)).status).toBe(201);
    expect((await buy('v3', 1)).json.error.code).toBe('sold_out');
    const audit = await invoke(handler!, 'GET', `/v1/sales/${sale.id}/audit`);
    expect(audit.json).toMatchObject({ ok: true, available: 0, held: 4 });
    // Cancelling the gathered order gives each of its shards its unit back.
    const cancelled = await invoke(
      handler!,
      'POST',
      `/v1/orders/${gathered.json.orderId}/cancel`,
      undefined,
      cognitoClaims('v1'),
    );
    expect(cancelled.json.status).toBe('cancelled');
    expect((await shardStocks(resources, sale.id)).sort()).toEqual([0, 1, 1, 1]);
    expect((await invoke(handler!, 'GET', `/v1/sales/${sale.id}/audit`)).json).toMatchObject({
      ok: true,
      available: 3,
      held: 1,
      released: 3,
    });
  });
});

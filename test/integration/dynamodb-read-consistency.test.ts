import type { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/ports/logger.ts';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import { composeLambda } from '../../src/runtime/lambda/compose.ts';
import { createConsumerHandler } from '../../src/runtime/lambda/consumer-handler.ts';
import { createSweepHandler } from '../../src/runtime/lambda/sweep-handler.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { cognitoClaims, drainQueue, httpApiEvent } from '../support/lambda-events.ts';
import { lambdaConfigFor, localSqs } from '../support/lambda-runtime.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalAws, startLocalAws } from '../support/local-aws.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { RegionConflictProxy, type SeenCall } from '../support/region-conflict-proxy.ts';

const admin = cognitoClaims('ops', ['admin']);

/**
 * Every DynamoDB call the three functions make over a sale's whole life, as
 * seen on the wire (dynalite behind a recording proxy), checked against what a
 * global table with multi-Region strong consistency allows and needs: no
 * transactions (MRSC refuses them), and every read that decides something
 * strongly consistent, since only those see the other Regions' latest writes.
 */
describe('the DynamoDB calls of the serverless shape, for multi-Region strong consistency', () => {
  let aws: LocalAws;
  let proxy: RegionConflictProxy;
  let sqs: SQSClient;
  const phases = new Map<string, SeenCall[]>();

  beforeAll(async () => {
    aws = await startLocalAws();
    sqs = localSqs(aws);
    proxy = await RegionConflictProxy.start(aws.dynamodbEndpoint);
    const resources = await aws.createResources({ visibilityTimeoutSeconds: 1 });
    const clock = new ManualClock();
    const clients = aws.backendOptions(resources).clients!;
    const runtime = composeLambda(lambdaConfigFor(resources, { stockShards: 4 }), {
      clients: {
        ...clients,
        dynamodb: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: proxy.endpoint },
      },
      logger: silentLogger,
      writeMetrics: () => {},
      clock,
    });
    const api = createApiHandler(runtime);
    const consumer = createConsumerHandler(runtime);
    const sweep = createSweepHandler(runtime);
    const call = async (method: string, path: string, body?: unknown, claims = admin) => {
      const result = await api(httpApiEvent({ method, path, body, claims }));
      return { status: result.statusCode, json: JSON.parse(result.body ?? 'null') };
    };
    const phase = async (name: string, run: () => Promise<void>) => {
      const start = proxy.calls.length;
      await run();
      phases.set(name, proxy.calls.slice(start));
    };

    let saleId = '';
    const orders: string[] = [];
    await phase('create', async () => {
      const created = await call(
        'POST',
        '/v1/sales',
        saleRequestBody(clock.now(), { stock: 8, perUserLimit: 3 }),
      );
      expect(created.status).toBe(201);
      saleId = created.json.id;
    });
    await phase('view', async () => {
      expect((await call('GET', `/v1/sales/${saleId}`, undefined, {})).json.available).toBe(8);
      expect((await call('GET', '/v1/sales', undefined, {})).status).toBe(200);
    });
    await phase('purchase', async () => {
      const buy = (user: string, key: string, quantity = 1) =>
        call('POST', `/v1/sales/${saleId}/purchase`, { quantity, idempotencyKey: key }, cognitoClaims(user));
      for (const [user, key, quantity] of [
        ['ann', 'a1', 1],
        ['ann', 'a1', 1], // a retry: answered from the claim
        ['ben', 'b1', 3], // more than one shard holds (2 each): gathered over shards
        ['cyd', 'c1', 1],
        ['dee', 'd1', 2],
      ] as const) {
        const bought = await buy(user, key, quantity);
        expect(bought.status, JSON.stringify(bought.json)).toBe(201);
        if (!orders.includes(bought.json.orderId)) orders.push(bought.json.orderId);
      }
      expect((await buy('eve', 'e1', 2)).json.error.code).toBe('insufficient_stock');
    });
    await phase('consume', async () => {
      expect(await drainQueue(sqs, resources.queueUrl, consumer)).toBe(4);
    });
    await phase('orders', async () => {
      expect(
        (await call('GET', `/v1/orders/${orders[0]}`, undefined, cognitoClaims('ann'))).json.status,
      ).toBe('confirmed');
      expect(
        (await call('POST', `/v1/orders/${orders[0]}/pay`, undefined, cognitoClaims('ann'))).status,
      ).toBe(200);
      expect(
        (await call('POST', `/v1/orders/${orders[1]}/cancel`, undefined, cognitoClaims('ben'))).status,
      ).toBe(200);
    });
    await phase('sweep', async () => {
      clock.advance(61_000);
      expect((await sweep({})).expired).toBe(2);
    });
    await phase('audit', async () => {
      const audit = await call('GET', `/v1/sales/${saleId}/audit`);
      expect(audit.json).toMatchObject({ ok: true, initial: 8, available: 7, paid: 1, held: 0 });
    });
  });
  afterAll(async () => {
    sqs.destroy();
    await proxy.stop();
    await aws.stop();
  });

  const all = () => [...phases.values()].flat();
  const isRead = (c: SeenCall) => c.operation === 'GetItem' || c.operation === 'BatchGetItem';
  const consistent = (c: SeenCall) =>
    c.operation === 'GetItem'
      ? c.input.ConsistentRead === true
      : Object.values(c.input.RequestItems as Record<string, { ConsistentRead?: boolean }>).every(
          (request) => request.ConsistentRead === true,
        );
  const isPing = (c: SeenCall) => JSON.stringify(c.input.Key) === '{"pk":{"S":"PING"}}';

  it('uses no transaction, scan or TTL call: only single-item writes, key reads and index queries', () => {
    const operations = new Set(all().map((c) => c.operation));
    expect([...operations].sort()).toEqual(
      expect.arrayContaining(['BatchGetItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem']),
    );
    for (const operation of operations)
      expect(['GetItem', 'BatchGetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem']).toContain(
        operation,
      );
  });

  const shardLevels = (c: SeenCall) =>
    c.operation === 'BatchGetItem' &&
    Object.values(c.input.RequestItems as Record<string, { Keys: unknown[] }>)[0]!.Keys.every((key) =>
      /^\{"pk":\{"S":"S#[^#]+#\d+"\}\}$/.test(JSON.stringify(key)),
    );

  it('reads every item consistently but the stock level it shows a visitor', () => {
    for (const [name, calls] of phases) {
      for (const read of calls.filter(isRead).filter((c) => !isPing(c))) {
        if (!consistent(read)) expect(shardLevels(read), `${name}: ${JSON.stringify(read)}`).toBe(true);
      }
    }
    // Sales, claims, holds, reservations and orders: read by key, consistently, in every phase.
    const gets = all().filter((c) => c.operation === 'GetItem' && !isPing(c));
    expect(gets.length).toBeGreaterThan(10);
    for (const get of gets) expect(get.input.ConsistentRead, JSON.stringify(get)).toBe(true);
  });

  it('shows the stock level from an eventual read, and decides from a consistent one', () => {
    const eventual = all()
      .filter(isRead)
      .filter((c) => !consistent(c) && !isPing(c));
    // GET /v1/sales/{id} and GET /v1/sales, and the purchase path's sale cache on its one miss (which
    // keeps the sale and drops the level): the level may lag another Region's purchase by a moment.
    expect(phases.get('view')!.filter((c) => eventual.includes(c))).toHaveLength(2);
    expect(phases.get('purchase')!.filter((c) => eventual.includes(c))).toHaveLength(1);
    expect(eventual).toHaveLength(3);
    // insufficient_stock (and the gathered purchase) came from a consistent read of every shard, as
    // did the audit.
    for (const name of ['purchase', 'audit']) {
      const decisive = phases.get(name)!.filter((c) => shardLevels(c) && consistent(c));
      expect(decisive.length, name).toBeGreaterThan(0);
    }
  });

  it('queries only indexes (never strongly consistent), and acts on what they return after a consistent read', () => {
    const queries = all().filter((c) => c.operation === 'Query');
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      expect(query.input.IndexName, JSON.stringify(query)).toBeDefined();
      expect(query.input.ConsistentRead).toBeUndefined();
    }
    // The sweeper found the due reservations on the `due` index, then read each one by key, consistently,
    // before releasing it.
    const sweep = phases.get('sweep')!;
    const dueQuery = sweep.findIndex((c) => c.operation === 'Query' && c.input.IndexName === 'due');
    const releases = sweep
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.operation === 'UpdateItem' && JSON.stringify(c.input.Key).includes('"R#'));
    expect(dueQuery).toBeGreaterThanOrEqual(0);
    expect(releases.length).toBeGreaterThan(0);
    const firstRelease = releases[0]!;
    const reread = sweep
      .slice(dueQuery, firstRelease.i)
      .find(
        (c) =>
          c.operation === 'GetItem' &&
          JSON.stringify(c.input.Key) === JSON.stringify(firstRelease.c.input.Key),
      );
    expect(reread?.input.ConsistentRead).toBe(true);
  });
});

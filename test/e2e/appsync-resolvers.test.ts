import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppSyncPublisher } from '../../src/adapters/appsync/appsync-publisher.ts';
import { createApiHandler } from '../../src/runtime/lambda/api-handler.ts';
import { createConsumerHandler } from '../../src/runtime/lambda/consumer-handler.ts';
import {
  type AppSyncResolverCall,
  createGraphqlResolverHandler,
} from '../../src/runtime/lambda/graphql-resolver-handler.ts';
import {
  AppSyncFieldError,
  appsyncContext,
  cognitoIdentity,
  iamIdentity,
  loadResolverCode,
} from '../support/appsync-context.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { cognitoClaims, drainQueue, httpApiEvent } from '../support/lambda-events.ts';
import { lambdaRuntime, localSqs } from '../support/lambda-runtime.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalAws, startLocalAws } from '../support/local-aws.ts';

interface Published {
  readonly query: string;
  readonly input: Record<string, unknown>;
  readonly signatureValid: boolean;
}

/**
 * Stands in for AppSync's endpoint on the publish path: checks the SigV4
 * signature as AppSync does (recomputed from the request with the caller's
 * keys), keeps what was published and answers as AppSync answers a mutation.
 */
async function publishEndpoint(): Promise<{ url: string; published: Published[]; server: Server }> {
  const published: Published[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const { query, variables } = JSON.parse(body) as {
        query: string;
        variables: { input: Record<string, unknown> };
      };
      const signatureValid = await verifySignature(
        req.headers as Record<string, string>,
        req.url ?? '/',
        body,
      );
      published.push({ query, input: variables.input, signatureValid });
      const field = query.includes('publishOrderUpdate') ? 'publishOrderUpdate' : 'publishSaleStatus';
      res.writeHead(signatureValid ? 200 : 401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          signatureValid
            ? { data: { [field]: variables.input } }
            : { errors: [{ errorType: 'UnauthorizedException' }] },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/graphql`, published, server };
}

/** Signs the received request again with the same keys and date: the Authorization header must match. */
async function verifySignature(
  headers: Record<string, string>,
  path: string,
  body: string,
): Promise<boolean> {
  const { createHash, createHmac } = await import('node:crypto');
  class Sha256 {
    readonly #hash;
    constructor(secret?: string | Uint8Array) {
      this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
    }
    update(data: string | Uint8Array) {
      this.#hash.update(data);
    }
    async digest() {
      return new Uint8Array(this.#hash.digest());
    }
  }
  const signer = new SignatureV4({
    service: 'appsync',
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    sha256: Sha256 as never,
  });
  const date = headers['x-amz-date']!;
  const signingDate = new Date(
    `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`,
  );
  const [host, port] = headers.host!.split(':');
  const again = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: host!,
      port: Number(port),
      path,
      headers: { host: headers.host!, 'content-type': headers['content-type']! },
      body,
    },
    { signingDate },
  );
  return again.headers.authorization === headers.authorization;
}

describe('the AppSync resolvers and publisher (the resolver code, the resolver function, the consumer)', () => {
  let aws: LocalAws;
  let sqs: SQSClient;
  let endpoint: Awaited<ReturnType<typeof publishEndpoint>>;

  beforeAll(async () => {
    aws = await startLocalAws();
    sqs = localSqs(aws);
    endpoint = await publishEndpoint();
  });
  afterAll(async () => {
    sqs.destroy();
    endpoint.server.close();
    await aws.stop();
  });

  async function stack() {
    const resources = await aws.createResources({ maxReceiveCount: 3, visibilityTimeoutSeconds: 1 });
    const runtime = lambdaRuntime(aws, resources);
    const rest = createApiHandler(runtime);
    const handler = createGraphqlResolverHandler(runtime);
    const code = await loadResolverCode();
    /** One field as AppSync runs it: the resolver's request, the function, the resolver's response. */
    const resolve = async (
      type: string,
      field: string,
      args: Record<string, unknown>,
      identity: unknown,
    ): Promise<{ data?: unknown; error?: AppSyncFieldError }> => {
      const ctx = appsyncContext(type, field, args, identity);
      const invocation = code.request(ctx) as { operation: string; payload: AppSyncResolverCall };
      expect(invocation.operation).toBe('Invoke');
      // The token never reaches the function.
      expect(JSON.stringify(invocation.payload)).not.toContain('the-cognito-token');
      ctx.result = await handler(JSON.parse(JSON.stringify(invocation.payload)) as AppSyncResolverCall);
      try {
        return { data: code.response(ctx) };
      } catch (error) {
        if (error instanceof AppSyncFieldError) return { error };
        throw error;
      }
    };
    const sale = async (overrides: Record<string, unknown>) => {
      const created = await rest(
        httpApiEvent({
          method: 'POST',
          path: '/v1/sales',
          body: saleRequestBody(Date.now(), overrides),
          claims: cognitoClaims('ops', ['admin']),
        }),
      );
      return JSON.parse(created.body ?? '{}') as { id: string };
    };
    const consumer = createConsumerHandler({
      ...runtime,
      appsync: new AppSyncPublisher({
        url: endpoint.url,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      }),
    });
    return { resources, runtime, resolve, sale, consumer };
  }

  const purchase = (saleId: string, key: string, quantity = 1) => ({ saleId, quantity, idempotencyKey: key });

  it('buys through Mutation.purchase with REST idempotency, and refuses with REST codes as errorType', async () => {
    const s = await stack();
    const { id: saleId } = await s.sale({ stock: 2, perUserLimit: 1 });
    const ann = cognitoIdentity('ann');
    const first = await s.resolve('Mutation', 'purchase', purchase(saleId, 'a1'), ann);
    expect(first.data).toMatchObject({ status: 'reserved', quantity: 1, replayed: false });
    const again = await s.resolve('Mutation', 'purchase', purchase(saleId, 'a1'), ann);
    expect(again.data).toEqual({ ...(first.data as object), replayed: true });

    const limit = await s.resolve('Mutation', 'purchase', purchase(saleId, 'a2'), ann);
    expect(limit.error).toMatchObject({
      errorType: 'limit_exceeded',
      errorInfo: { limit: 1, alreadyHeld: 1 },
    });
    await s.resolve('Mutation', 'purchase', purchase(saleId, 'b1'), cognitoIdentity('ben'));
    const soldOut = await s.resolve('Mutation', 'purchase', purchase(saleId, 'c1'), cognitoIdentity('cyd'));
    expect(soldOut.error?.errorType).toBe('sold_out');
    const invalid = await s.resolve(
      'Mutation',
      'purchase',
      purchase(saleId, 'c2', 0),
      cognitoIdentity('cyd'),
    );
    expect(invalid.error?.errorType).toBe('validation_failed');
    const noSale = await s.resolve('Query', 'sale', { id: 'nope' }, ann);
    expect(noSale.error?.errorType).toBe('sale_not_found');
    const listed = await s.resolve('Query', 'sales', {}, ann);
    expect(listed.data).toContainEqual(
      expect.objectContaining({ id: saleId, available: 0, status: 'sold_out' }),
    );
    // An IAM caller is no shopper.
    const iam = await s.resolve('Mutation', 'purchase', purchase(saleId, 'i1'), iamIdentity);
    expect(iam.error?.errorType).toBe('unauthorized');
  });

  it("refuses another shopper's order on every operation, subscribing included; its shopper and an admin may", async () => {
    const s = await stack();
    const { id: saleId } = await s.sale({ stock: 5 });
    const dee = cognitoIdentity('dee');
    const bought = await s.resolve('Mutation', 'purchase', purchase(saleId, 'd1'), dee);
    const { orderId } = bought.data as { orderId: string };
    const eve = cognitoIdentity('eve');
    for (const [type, field, args] of [
      ['Query', 'order', { id: orderId }],
      ['Mutation', 'pay', { orderId }],
      ['Mutation', 'cancel', { orderId }],
      ['Subscription', 'orderUpdated', { orderId }],
    ] as const) {
      expect((await s.resolve(type, field, args, eve)).error?.errorType, `${type}.${field}`).toBe(
        'order_not_found',
      );
    }
    expect(await s.resolve('Subscription', 'orderUpdated', { orderId }, dee)).toEqual({ data: null });
    expect(
      await s.resolve('Subscription', 'orderUpdated', { orderId }, cognitoIdentity('ops', ['admin'])),
    ).toEqual({
      data: null,
    });
    expect((await s.resolve('Subscription', 'saleStatus', { saleId: 'nope' }, dee)).error?.errorType).toBe(
      'sale_not_found',
    );
    const paid = await s.resolve('Mutation', 'pay', { orderId }, dee);
    expect(paid.data).toMatchObject({ id: orderId, status: 'paid', userId: 'dee' });
  });

  it('the consumer pushes each confirmation and the sale status through the signed publish mutations', async () => {
    const s = await stack();
    const { id: saleId } = await s.sale({ stock: 3 });
    const orders = [];
    for (const user of ['fay', 'gus']) {
      const bought = await s.resolve(
        'Mutation',
        'purchase',
        purchase(saleId, `${user}-1`),
        cognitoIdentity(user),
      );
      orders.push((bought.data as { orderId: string }).orderId);
    }
    endpoint.published.length = 0;
    expect(await drainQueue(sqs, s.resources.queueUrl, s.consumer)).toBe(2);
    const pushed = endpoint.published;
    expect(pushed.every((p) => p.signatureValid)).toBe(true);
    const updates = pushed.filter((p) => p.query.includes('publishOrderUpdate')).map((p) => p.input);
    expect(updates.map((u) => [u.orderId, u.status]).sort()).toEqual(
      orders.map((o) => [o, 'confirmed']).sort(),
    );
    expect(updates[0]).toMatchObject({ saleId, quantity: 1, at: expect.any(String) });
    const sales = pushed.filter((p) => p.query.includes('publishSaleStatus')).map((p) => p.input);
    expect(sales.at(-1)).toMatchObject({ saleId, status: 'live', available: 1 });
    // Signed with other keys, a publication is refused, and the publisher says so (the event is retried).
    const forger = new AppSyncPublisher({
      url: endpoint.url,
      region: LOCAL_REGION,
      credentials: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-key' },
    });
    await expect(
      forger.saleChanged({ saleId, status: 'live', available: 1, at: Date.now() }),
    ).rejects.toThrow(/AppSync answered 401/);
  });
});

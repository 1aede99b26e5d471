import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CANCEL,
  graphqlHttp,
  graphqlSocket,
  type Json,
  ORDER,
  ORDER_UPDATED,
  PAY,
  PURCHASE,
  SALE_STATUS,
  subscribe,
} from '../support/graphql-client.ts';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const codeOf = (body: Json): string | undefined => body.errors?.[0]?.extensions?.code;

describe('GraphQL on the embedded shape', () => {
  let server: TestServer;

  beforeAll(async () => {
    // The worker is driven by the test: a confirmation arrives only when the test lets it happen.
    server = await startTestServer({ runWorker: false, flags: ['--rate-limit-per-second', '0'] });
  });
  afterAll(() => server.close());

  it('a graphql-ws client buys over the mutation and is pushed pending, confirmed, then paid (no polling)', async () => {
    const sale = await server.createSale({ stock: 5 });
    const ann = await server.token('ann');
    const client = graphqlSocket(server.url, ann);
    try {
      const bought = await client
        .iterate({ query: PURCHASE, variables: { saleId: sale.id, quantity: 1, key: 'k1' } })
        .next();
      const purchase = (bought.value as Json).data.purchase;
      expect(purchase).toMatchObject({ status: 'reserved', quantity: 1, replayed: false });

      const watch = subscribe(client, ORDER_UPDATED, { orderId: purchase.orderId });
      const first = await watch.next(() => true);
      expect(first.data.orderUpdated).toMatchObject({
        orderId: purchase.orderId,
        status: 'pending',
        userId: 'ann',
      });

      await server.node.worker.drain();
      const confirmed = await watch.next((r) => r.data.orderUpdated.status === 'confirmed');
      expect(confirmed.data.orderUpdated.saleId).toBe(sale.id);

      const paid = await graphqlHttp(server.url, PAY, { orderId: purchase.orderId }, ann);
      expect(paid.body.data.pay.status).toBe('paid');
      await server.node.worker.drain();
      await watch.next((r) => r.data.orderUpdated.status === 'paid');
      // paid is final: the server completes the subscription.
      await watch.done;
      expect(watch.results.map((r) => r.data.orderUpdated.status)).toEqual(['pending', 'confirmed', 'paid']);
    } finally {
      await client.dispose();
    }
  });

  it('tells a subscriber who arrives after the confirmation the current state at once, then the release', async () => {
    const sale = await server.createSale({ stock: 5 });
    const bea = await server.token('bea');
    const bought = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 2, key: 'b1' }, bea);
    const { orderId } = bought.body.data.purchase;
    await server.node.worker.drain();
    const client = graphqlSocket(server.url, bea);
    try {
      const watch = subscribe(client, ORDER_UPDATED, { orderId });
      await watch.next((r) => r.data.orderUpdated.status === 'confirmed');
      const cancelled = await graphqlHttp(server.url, CANCEL, { orderId }, bea);
      expect(cancelled.body.data.cancel.status).toBe('cancelled');
      await server.node.worker.drain();
      await watch.done;
      expect(watch.results.map((r) => r.data.orderUpdated.status)).toEqual(['confirmed', 'cancelled']);
    } finally {
      await client.dispose();
    }
  });

  it("pushes a sale's units left and its sell-out to saleStatus subscribers", async () => {
    const sale = await server.createSale({ stock: 3, perUserLimit: 3 });
    const client = graphqlSocket(server.url);
    const cid = await server.token('cid');
    try {
      const watch = subscribe(client, SALE_STATUS, { saleId: sale.id });
      await watch.next((r) => r.data.saleStatus.available === 3);
      await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'c1' }, cid);
      await watch.next((r) => r.data.saleStatus.available === 2);
      await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 2, key: 'c2' }, cid);
      const out = await watch.next((r) => r.data.saleStatus.status === 'sold_out');
      expect(out.data.saleStatus).toMatchObject({ saleId: sale.id, available: 0 });
      watch.stop();
    } finally {
      await client.dispose();
    }
  });

  it("answers the purchase with REST's idempotency and refusal codes", async () => {
    const sale = await server.createSale({ stock: 2, perUserLimit: 1 });
    const [dan, eve, fay] = await Promise.all(['dan', 'eve', 'fay'].map((u) => server.token(u)));
    const first = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'd1' }, dan);
    const again = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'd1' }, dan);
    expect(again.body.data.purchase).toEqual({ ...first.body.data.purchase, replayed: true });
    // The same key over REST answers the same reservation too.
    const rest = await api(server.url, `/v1/sales/${sale.id}/purchase`, {
      method: 'POST',
      token: dan,
      body: { quantity: 1, idempotencyKey: 'd1' },
    });
    expect(rest.json.orderId).toBe(first.body.data.purchase.orderId);

    const limit = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'd2' }, dan);
    expect(codeOf(limit.body)).toBe('limit_exceeded');
    expect(limit.body.errors[0].extensions).toMatchObject({ status: 409, details: { limit: 1 } });
    await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'e1' }, eve);
    const soldOut = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'f1' }, fay);
    expect(codeOf(soldOut.body)).toBe('sold_out');
    expect(soldOut.body.data).toBeNull();
    const conflict = await graphqlHttp(
      server.url,
      PURCHASE,
      { saleId: sale.id, quantity: 2, key: 'd1' },
      dan,
    );
    expect(codeOf(conflict.body)).toBe('idempotency_conflict');
    const invalid = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 0, key: 'x' }, fay);
    expect(codeOf(invalid.body)).toBe('validation_failed');
    const badKey = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'a b' }, fay);
    expect(codeOf(badKey.body)).toBe('validation_failed');
    const noSale = await graphqlHttp(server.url, PURCHASE, { saleId: 'nope', quantity: 1, key: 'f2' }, fay);
    expect(codeOf(noSale.body)).toBe('sale_not_found');
    const audit = await api(server.url, `/v1/sales/${sale.id}/audit`, { token: await server.adminToken() });
    expect(audit.json).toMatchObject({ ok: true, available: 0, held: 2 });
  });

  it('asks every operation for what its REST route asks for', async () => {
    const sale = await server.createSale({ stock: 5 });
    const [gus, hal] = await Promise.all(['gus', 'hal'].map((u) => server.token(u)));
    const bought = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'g1' }, gus);
    const { orderId } = bought.body.data.purchase;

    // Anonymous: public reads only.
    expect((await graphqlHttp(server.url, 'query { sales { id } }')).body.data.sales.length).toBeGreaterThan(
      0,
    );
    expect(
      codeOf((await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'a1' })).body),
    ).toBe('unauthorized');
    expect(codeOf((await graphqlHttp(server.url, ORDER, { id: orderId })).body)).toBe('unauthorized');
    // A bad token is refused as REST refuses it.
    expect((await graphqlHttp(server.url, 'query { sales { id } }', {}, 'not-a-jwt')).status).toBe(401);
    // Someone else's order does not exist for them, whatever the operation.
    expect(codeOf((await graphqlHttp(server.url, ORDER, { id: orderId }, hal)).body)).toBe('order_not_found');
    expect(codeOf((await graphqlHttp(server.url, PAY, { orderId }, hal)).body)).toBe('order_not_found');
    expect(codeOf((await graphqlHttp(server.url, CANCEL, { orderId }, hal)).body)).toBe('order_not_found');
    expect((await graphqlHttp(server.url, ORDER, { id: orderId }, gus)).body.data.order).toMatchObject({
      id: orderId,
      userId: 'gus',
    });
    expect(
      (await graphqlHttp(server.url, ORDER, { id: orderId }, await server.adminToken())).body.data.order.id,
    ).toBe(orderId);
    // Only the pipeline publishes.
    const publish = await graphqlHttp(
      server.url,
      'mutation { publishSaleStatus(input: {saleId: "s", status: live, available: 1, at: "now"}) { saleId } }',
      {},
      await server.adminToken(),
    );
    expect(codeOf(publish.body)).toBe('forbidden');

    // Over WebSocket: another shopper cannot watch the order; nor can an anonymous connection.
    const halSocket = graphqlSocket(server.url, hal);
    const anonymous = graphqlSocket(server.url);
    try {
      // A refused subscription is one result with the error, then complete (graphql-ws over graphql-js).
      const theirs = subscribe(halSocket, ORDER_UPDATED, { orderId });
      await theirs.done;
      expect(theirs.results.map((r) => [r.data ?? null, codeOf(r)])).toEqual([[null, 'order_not_found']]);
      const nobody = subscribe(anonymous, ORDER_UPDATED, { orderId });
      await nobody.done;
      expect(nobody.results.map((r) => codeOf(r))).toEqual(['unauthorized']);
    } finally {
      await halSocket.dispose();
      await anonymous.dispose();
    }
    // A connection with a bad token is closed before any operation.
    const forged = graphqlSocket(server.url, 'forged');
    try {
      const attempt = subscribe(forged, SALE_STATUS, { saleId: sale.id });
      await expect(attempt.done).rejects.toMatchObject({ code: 4403 });
    } finally {
      await forged.dispose();
    }
    // Subscriptions are not served over HTTP (they would hold the request open).
    const overHttp = await graphqlHttp(server.url, SALE_STATUS, { saleId: sale.id }, gus);
    expect(codeOf(overHttp.body)).toBe('method_not_allowed');
  });

  it('checks the connection token again on each operation: once expired, the shopper is no one', async () => {
    const sale = await server.createSale({ stock: 5 });
    const kit = await server.token('kit', { ttlSeconds: 2 });
    const bought = await graphqlHttp(
      server.url,
      PURCHASE,
      { saleId: sale.id, quantity: 1, key: 'kit-1' },
      kit,
    );
    const { orderId } = bought.body.data.purchase;
    const client = graphqlSocket(server.url, kit);
    try {
      // A public subscription holds the connection open (the client closes an idle one).
      const open = subscribe(client, SALE_STATUS, { saleId: sale.id });
      await open.next(() => true);
      const before = subscribe(client, ORDER_UPDATED, { orderId });
      await before.next((r) => r.data?.orderUpdated?.status === 'pending');
      before.stop();
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      const after = subscribe(client, ORDER_UPDATED, { orderId });
      await after.done;
      expect(after.results.map((r) => codeOf(r))).toEqual(['unauthorized']);
      open.stop();
    } finally {
      await client.dispose();
    }
  });

  it('answers a plain JSON POST (served without the Fetch adapter) as graphql-yoga answers it', async () => {
    const sale = await server.createSale({ stock: 1 });
    const jan = await server.token('jan');
    const post = async (body: unknown, accept?: string) => {
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${jan}`,
          ...(accept === undefined ? {} : { accept }),
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as Json };
    };
    const viaYoga = 'application/graphql-response+json, application/json;q=0.9';
    const read = {
      query: 'query($id: ID!) { sale(id: $id) { id available status } }',
      variables: { id: sale.id },
    };
    expect(await post(read)).toEqual(await post(read, viaYoga));
    const refused = { query: PURCHASE, variables: { saleId: 'none', quantity: 1, key: 'j1' } };
    const direct = await post(refused);
    expect(direct).toEqual(await post(refused, viaYoga));
    expect(codeOf(direct.json)).toBe('sale_not_found');
    // Requests that are wrong as GraphQL are answered by yoga either way.
    const syntax = await post({ query: 'query {' });
    expect(syntax.json.errors[0].message).toMatch(/Syntax Error/);
    const unknownField = await post({ query: '{ nothing }' });
    expect(unknownField.json.errors[0].message).toMatch(/Cannot query field "nothing"/);
    const badVariables = await post({
      query: PURCHASE,
      variables: { saleId: sale.id, quantity: 'one', key: 'j2' },
    });
    expect(badVariables.json.data).toBeUndefined();
    expect(badVariables.json.errors[0].message).toMatch(/quantity/);
  });

  it('documents /graphql in the OpenAPI document and serves the schema', async () => {
    const openapi = await api(server.url, '/openapi.json');
    expect(Object.keys(openapi.json.paths)).toContain('/graphql');
    const sdl = await fetch(`${server.url}/graphql/schema.graphql`).then((r) => r.text());
    expect(sdl).toContain('orderUpdated(orderId: ID!): OrderUpdate');
  });
});

describe('GraphQL on the embedded shape with several HTTP threads', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ runWorker: false, flags: ['--http-threads', '3'] });
  });
  afterAll(() => server.close());

  it('pushes the confirmation to subscribers on every thread (the main thread relays its feed)', async () => {
    const sale = await server.createSale({ stock: 5 });
    const ivy = await server.token('ivy');
    const bought = await graphqlHttp(server.url, PURCHASE, { saleId: sale.id, quantity: 1, key: 'i1' }, ivy);
    const { orderId } = bought.body.data.purchase;
    // Connections land on whichever thread the kernel picks: with eight, every thread very likely has one.
    const clients = Array.from({ length: 8 }, () => graphqlSocket(server.url, ivy));
    try {
      const watches = clients.map((client) => subscribe(client, ORDER_UPDATED, { orderId }));
      await Promise.all(watches.map((w) => w.next((r) => r.data.orderUpdated.status === 'pending')));
      await server.node.worker.drain();
      const confirmed = await Promise.all(
        watches.map((w) => w.next((r) => r.data.orderUpdated.status === 'confirmed')),
      );
      expect(confirmed).toHaveLength(8);
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });
});

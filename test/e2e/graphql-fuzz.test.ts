import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCEL, ORDER, ORDER_UPDATED, PAY, PURCHASE } from '../support/graphql-client.ts';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const RUNS = 600;

/**
 * /graphql under hostile requests: broken and truncated operations, wrong
 * variables, odd content types, bad tokens, purchases of a sale that has not
 * started, another shopper's order. Every answer must be a well-formed
 * GraphQL (or REST 401) answer, never a 5xx or an internal_error, and the
 * store must be as it was.
 */
describe('/graphql under hostile requests', () => {
  let server: TestServer;
  let upcomingSaleId: string;
  let liveSaleId: string;
  let foreignOrderId: string;
  let shopper: string;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--rate-limit-per-second', '0'] });
    const now = Date.now();
    upcomingSaleId = (
      await server.createSale({
        startsAt: new Date(now + 3_600_000).toISOString(),
        endsAt: new Date(now + 7_200_000).toISOString(),
      })
    ).id;
    liveSaleId = (await server.createSale({ stock: 3 })).id;
    const owner = await server.token('owner');
    const bought = await api(server.url, `/v1/sales/${liveSaleId}/purchase`, {
      method: 'POST',
      token: owner,
      body: { quantity: 1, idempotencyKey: 'owner-1' },
    });
    foreignOrderId = bought.json.orderId;
    shopper = await server.token('fuzzer');
    // The order worker confirms that order on its own time: wait, so the audits compare a quiet store.
    for (let tries = 0; tries < 100; tries++) {
      const order = await api(server.url, `/v1/orders/${foreignOrderId}`, { token: owner });
      if (order.json.status === 'confirmed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(() => server.close());

  const audits = async () => {
    const admin = await server.adminToken();
    return Promise.all(
      [upcomingSaleId, liveSaleId].map(
        async (id) => (await api(server.url, `/v1/sales/${id}/audit`, { token: admin })).json,
      ),
    );
  };

  it('answers every request without a fault and changes nothing', async () => {
    const before = await audits();
    const id = () =>
      fc.oneof(fc.constant(upcomingSaleId), fc.constant(foreignOrderId), fc.string({ maxLength: 40 }));
    const operation = fc.oneof(
      fc.record({
        query: fc.constant(PURCHASE),
        variables: fc.record({
          saleId: fc.oneof(fc.constant(upcomingSaleId), fc.string({ maxLength: 40 })),
          quantity: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constant(2 ** 31), fc.double(), fc.string()),
          key: fc.oneof(fc.string({ maxLength: 200 }), fc.constant('k1')),
        }),
      }),
      fc.record({ query: fc.constantFrom(PAY, CANCEL), variables: fc.record({ orderId: id() }) }),
      fc.record({
        query: fc.constantFrom(ORDER, 'query($id: ID!) { sale(id: $id) { id available } }'),
        variables: fc.record({ id: id() }),
      }),
      fc.record({ query: fc.constant(ORDER_UPDATED), variables: fc.record({ orderId: id() }) }),
      fc.record({
        query: fc.constantFrom(PURCHASE, PAY, ORDER, '{ sales { id } }'),
        variables: fc.jsonValue(),
      }),
      // Cut short, or with a character changed.
      fc
        .tuple(fc.constantFrom(PURCHASE, PAY, ORDER_UPDATED), fc.nat(), fc.string({ maxLength: 2 }))
        .map(([q, at, insert]) => ({
          query: q.slice(0, at % q.length) + insert + q.slice((at % q.length) + 1),
          variables: {},
        })),
      fc.record({ query: fc.string({ maxLength: 100 }) }),
    );
    const request = fc.record({
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
      body: fc.oneof(
        { weight: 6, arbitrary: operation.map((o) => JSON.stringify(o)) },
        { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
        { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
      ),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/json; charset=utf-8',
        'application/graphql+json',
        'text/plain',
        'application/x-www-form-urlencoded',
        undefined,
      ),
      accept: fc.constantFrom(
        undefined,
        'application/json',
        'application/graphql-response+json',
        'text/event-stream',
        'text/html',
      ),
      token: fc.constantFrom('shopper', 'none', 'garbage', 'alg-none'),
    });
    const failures: string[] = [];
    const samples = fc.sample(request, { seed: SEED, numRuns: RUNS });
    for (const r of samples) {
      const authorization =
        r.token === 'shopper'
          ? `Bearer ${shopper}`
          : r.token === 'garbage'
            ? 'Bearer not.a.token'
            : r.token === 'alg-none'
              ? `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`
              : undefined;
      const headers: Record<string, string> = {
        ...(r.contentType === undefined ? {} : { 'content-type': r.contentType }),
        ...(r.accept === undefined ? {} : { accept: r.accept }),
        ...(authorization === undefined ? {} : { authorization }),
      };
      const url =
        r.method === 'GET'
          ? `${server.url}/graphql?${new URLSearchParams(safeParams(r.body))}`
          : `${server.url}/graphql`;
      const response = await fetch(url, {
        method: r.method,
        headers,
        ...(r.method === 'GET' ? {} : { body: r.body }),
      });
      const text = await response.text();
      const what = `${r.method} ${JSON.stringify(headers)} ${r.body.slice(0, 160)} -> ${response.status} ${text.slice(0, 200)}`;
      if (response.status >= 500) failures.push(`server error: ${what}`);
      if (text.includes('internal_error')) failures.push(`fault: ${what}`);
      if (
        text.includes('"reservationId"') ||
        text.includes('"status":"paid"') ||
        text.includes('"status":"cancelled"')
      )
        failures.push(`a write was accepted: ${what}`);
    }
    expect(failures.slice(0, 5), `seed ${SEED}: ${failures.length} failures`).toEqual([]);
    expect(await audits()).toEqual(before);
  }, 120_000);
});

/** A GET's query string from a body: its operation's fields when the body is one, else the body as `query`. */
function safeParams(body: string): Record<string, string> {
  try {
    const parsed = JSON.parse(body) as { query?: unknown; variables?: unknown };
    if (typeof parsed === 'object' && parsed !== null && typeof parsed.query === 'string') {
      return { query: parsed.query, variables: JSON.stringify(parsed.variables ?? {}) };
    }
  } catch {}
  return { query: body };
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, inParallel } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('a stampede over real HTTP', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    // As users run it: one HTTP thread per core (two on CI), the store on the first.
    server = await startTestServer({ flags: ['--http-threads', 'auto'] });
    admin = await server.adminToken();
  });
  afterAll(() => server.close());

  it('sells exactly 100 units to 2,000 concurrent attempts from 500 users, nobody above 2', async () => {
    const sale = await server.createSale({ stock: 100, perUserLimit: 2 });
    const tokens = await Promise.all(Array.from({ length: 500 }, (_, u) => server.token(`crowd-${u}`)));
    const attempts = Array.from(
      { length: 2000 },
      (_, i) => () =>
        api(server.url, `/v1/sales/${sale.id}/purchase`, {
          method: 'POST',
          token: tokens[i % 500]!,
          body: { quantity: 1, idempotencyKey: `attempt-${i}` },
        }),
    );
    const responses = await inParallel(500, attempts);

    const reserved = responses.filter((r) => r.status === 201);
    const unitsPerUser = new Map<number, number>();
    responses.forEach((r, i) => {
      if (r.status === 201) unitsPerUser.set(i % 500, (unitsPerUser.get(i % 500) ?? 0) + 1);
    });
    expect(Math.max(...unitsPerUser.values())).toBeLessThanOrEqual(2);
    const byCode = new Map<string, number>();
    for (const r of responses)
      if (r.status !== 201) byCode.set(r.json.error.code, (byCode.get(r.json.error.code) ?? 0) + 1);
    expect(responses.every((r) => r.status < 500)).toBe(true);
    expect(reserved).toHaveLength(100);
    expect([...byCode.keys()].every((code) => code === 'sold_out' || code === 'limit_exceeded')).toBe(true);
    expect(new Set(reserved.map((r) => r.json.orderId)).size).toBe(100);

    const audit = await api(server.url, `/v1/sales/${sale.id}/audit`, { token: admin });
    expect(audit.json).toMatchObject({
      ok: true,
      initial: 100,
      available: 0,
      held: 100,
      paid: 0,
      violations: [],
    });
    const view = await api(server.url, `/v1/sales/${sale.id}`);
    expect(view.json).toMatchObject({ status: 'sold_out', available: 0 });
  });

  it('gives one unit to the same idempotency key retried 20 times in parallel', async () => {
    const sale = await server.createSale({ stock: 10, perUserLimit: 5 });
    const token = await server.token('retrier');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        api(server.url, `/v1/sales/${sale.id}/purchase`, {
          method: 'POST',
          token,
          body: { quantity: 1, idempotencyKey: 'one-click' },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => r.json.reservationId)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    const audit = await api(server.url, `/v1/sales/${sale.id}/audit`, { token: admin });
    expect(audit.json).toMatchObject({ ok: true, held: 1, available: 9, reservations: 1 });
  });

  it('confirms every reservation as an order once the worker caught up', async () => {
    const sale = await server.createSale({ stock: 30, perUserLimit: 1 });
    const created = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const token = await server.token(`confirm-${i}`);
        const r = await api(server.url, `/v1/sales/${sale.id}/purchase`, {
          method: 'POST',
          token,
          body: { quantity: 1, idempotencyKey: 'k' },
        });
        return { token, orderId: r.json.orderId as string };
      }),
    );
    for (let i = 0; i < 100; i++) {
      const audit = await api(server.url, `/v1/sales/${sale.id}/audit`, { token: admin });
      if (audit.json.ordersPending === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const statuses = await Promise.all(
      created.map(
        async ({ token, orderId }) => (await api(server.url, `/v1/orders/${orderId}`, { token })).json.status,
      ),
    );
    expect(statuses).toEqual(Array(30).fill('confirmed'));
  });
});

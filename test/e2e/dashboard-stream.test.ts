import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { openSnapshotStream } from '../support/sse-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('the dashboard stream over real HTTP', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--rate-limit-per-second', '0'] });
  });

  afterAll(async () => {
    await server.close();
  });

  it('refuses anyone but an admin: 401 without or with a bad token, 403 for a shopper', async () => {
    const none = await api(server.url, '/v1/admin/dashboard/stream');
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthorized');
    const forged = await api(server.url, '/v1/admin/dashboard/stream', { token: 'eyJhbGciOiJub25lIn0.e30.' });
    expect(forged.status).toBe(401);
    const shopper = await api(server.url, '/v1/admin/dashboard/stream', { token: await server.token('sam') });
    expect(shopper.status).toBe(403);
    expect(shopper.json.error.code).toBe('forbidden');
    // A token in the query string is not a way in: only the Authorization header counts.
    const query = await api(server.url, `/v1/admin/dashboard/stream?token=${await server.adminToken()}`);
    expect(query.status).toBe(401);
  });

  it('streams snapshots whose figures follow the purchases, payments and cancellations made', async () => {
    const sale = await server.createSale({ stock: 5, perUserLimit: 1, name: 'Stream test' });
    const stream = await openSnapshotStream(server.url, await server.adminToken());
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(stream.headers.get('cache-control')).toBe('no-store');
      const first = await stream.until((s) => s.sales.some((x) => x.id === sale.id));
      expect(first.sales.find((x) => x.id === sale.id)).toMatchObject({
        name: 'Stream test',
        status: 'live',
        stock: 5,
        available: 5,
        orders: { confirmed: 0, paid: 0, expired: 0, cancelled: 0 },
      });
      // The default alarm rule, evaluated in the server: OK while nothing fails.
      expect(first.alarms).toEqual([expect.objectContaining({ name: 'http-5xx', state: 'OK' })]);
      expect(first.backend).toBe('embedded');

      const buy = async (user: string) =>
        api(server.url, `/v1/sales/${sale.id}/purchase`, {
          method: 'POST',
          token: await server.token(user),
          body: { quantity: 1, idempotencyKey: `k-${user}` },
        });
      const answers = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map(buy));
      expect(answers.map((a) => a.status).sort()).toEqual([201, 201, 201, 201, 201, 409, 409]);
      const [paid, cancelled] = answers.filter((a) => a.status === 201);
      const admin = await server.adminToken();
      const pay = await api(server.url, `/v1/orders/${paid!.json.orderId}/pay`, {
        method: 'POST',
        token: admin,
      });
      expect(pay.status).toBe(200);
      expect(
        (
          await api(server.url, `/v1/orders/${cancelled!.json.orderId}/cancel`, {
            method: 'POST',
            token: admin,
          })
        ).status,
      ).toBe(200);

      const settled = await stream.until((s) => {
        const figures = s.sales.find((x) => x.id === sale.id);
        return (
          figures?.orders.paid === 1 &&
          figures.orders.cancelled === 1 &&
          figures.orders.confirmed === 3 &&
          s.queue?.pending === 0 &&
          s.purchases.latency.count === 7
        );
      });
      expect(settled.sales.find((x) => x.id === sale.id)).toMatchObject({ available: 1, status: 'live' });
      expect(settled.purchases.total).toEqual({ reserved: 5, sold_out: 2 });
      expect(settled.queue).toEqual({
        pending: 0,
        dead: 0,
        oldestPendingAgeMs: null,
        oldestPendingAgeKnown: true,
      });
      expect(settled.storeError).toBeNull();
      const { p50Ms, p99Ms, ceilingMs } = settled.purchases.latency;
      expect(p50Ms).toBeGreaterThan(0);
      expect(p99Ms).toBeGreaterThanOrEqual(p50Ms!);
      expect(ceilingMs).toBe(1000);
      // Some snapshot between the purchases and the end saw them as a rate.
      expect(stream.received.some((s) => (s.purchases.perSecond.reserved ?? 0) > 0)).toBe(true);
    } finally {
      stream.close();
    }
  });
});

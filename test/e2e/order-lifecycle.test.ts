import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { ManualClock } from '../support/manual-clock.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 200 && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await read();
  }
  return value;
}

describe('an order from purchase to payment, expiry or cancellation, over HTTP', () => {
  const clock = new ManualClock();
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer({ clock, worker: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 10 } });
    admin = await server.adminToken();
  });
  afterAll(() => server.close());

  const purchase = (saleId: string, token: string, key: string) =>
    api(server.url, `/v1/sales/${saleId}/purchase`, {
      method: 'POST',
      token,
      body: { quantity: 1, idempotencyKey: key },
    });
  const order = (orderId: string, token: string) => api(server.url, `/v1/orders/${orderId}`, { token });

  it('expires unpaid reservations after the window and sells the units again; paid ones stay paid', async () => {
    const sale = await server.createSale({ stock: 2, perUserLimit: 1, paymentWindowSeconds: 120 });
    const [ann, ben, cat] = await Promise.all(['ann', 'ben', 'cat'].map((u) => server.token(u)));
    const unpaid = await purchase(sale.id, ann!, 'a');
    const paid = await purchase(sale.id, ben!, 'b');
    expect([unpaid.status, paid.status]).toEqual([201, 201]);
    expect(
      (await api(server.url, `/v1/orders/${paid.json.orderId}/pay`, { method: 'POST', token: ben! })).json
        .status,
    ).toBe('paid');
    expect((await purchase(sale.id, cat!, 'c1')).json.error.code).toBe('sold_out');

    clock.advance(120_000);
    const expired = await eventually(
      () => order(unpaid.json.orderId, ann!),
      (r) => r.json.status === 'expired',
    );
    expect(expired.json.status).toBe('expired');
    const late = await api(server.url, `/v1/orders/${unpaid.json.orderId}/pay`, {
      method: 'POST',
      token: ann!,
    });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe('payment_window_expired');
    expect((await order(paid.json.orderId, ben!)).json.status).toBe('paid');

    const resold = await purchase(sale.id, cat!, 'c2');
    expect(resold.status).toBe(201);
    const audit = await api(server.url, `/v1/sales/${sale.id}/audit`, { token: admin });
    expect(audit.json).toMatchObject({ ok: true, initial: 2, available: 0, held: 1, paid: 1, released: 1 });
  });

  it('cancels an unpaid order and puts its units back', async () => {
    const sale = await server.createSale({ stock: 5, perUserLimit: 2 });
    const token = await server.token('dan');
    const bought = await api(server.url, `/v1/sales/${sale.id}/purchase`, {
      method: 'POST',
      token,
      body: { quantity: 2, idempotencyKey: 'd' },
    });
    expect((await api(server.url, `/v1/sales/${sale.id}`)).json.available).toBe(3);
    const cancelled = await api(server.url, `/v1/orders/${bought.json.orderId}/cancel`, {
      method: 'POST',
      token,
    });
    expect(cancelled.json).toMatchObject({ status: 'cancelled', quantity: 2 });
    expect((await api(server.url, `/v1/sales/${sale.id}`)).json.available).toBe(5);
    const pay = await api(server.url, `/v1/orders/${bought.json.orderId}/pay`, { method: 'POST', token });
    expect(pay.json.error.code).toBe('order_not_payable');
  });

  it('shows dead letters to admins and redrives them', async () => {
    const { queue } = server.node.backend;
    await queue.publish('reservation.created', 'not json at all', clock.now());
    // Retries wait for the (manual) clock: move it along while polling.
    const deadLetters = () => {
      clock.advance(50);
      return api(server.url, '/v1/admin/dead-letters', { token: admin });
    };
    const letters = await eventually(deadLetters, (r) => r.json.deadLetters.length === 1);
    expect(letters.json.deadLetters[0]).toMatchObject({ topic: 'reservation.created', attempts: 2 });
    const id = letters.json.deadLetters[0].id as string;
    const redriven = await api(server.url, `/v1/admin/dead-letters/${id}/redrive`, {
      method: 'POST',
      token: admin,
    });
    expect(redriven.status).toBe(202);
    // Still unreadable: it goes through its attempts again and is parked again, never lost.
    const again = await eventually(deadLetters, (r) => r.json.deadLetters.length === 1);
    expect(again.json.deadLetters[0].id).toBe(id);
    const missing = await api(server.url, '/v1/admin/dead-letters/999999/redrive', {
      method: 'POST',
      token: admin,
    });
    expect(missing.json.error.code).toBe('dead_letter_not_found');
  });
});

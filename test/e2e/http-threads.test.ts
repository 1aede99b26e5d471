import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, inParallel } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** Purchase attempts counted by /metrics, which sums every thread's registry. */
async function scrapedPurchases(server: TestServer): Promise<number> {
  const response = await api(server.url, '/metrics', { headers: { connection: 'close' } });
  let total = 0;
  for (const match of response.text.matchAll(/^flashsale_purchases_total\{[^}]*\} (\d+)$/gm)) {
    total += Number(match[1]);
  }
  return total;
}

/** The main thread's ledger calls of one operation, every thread's included (they are made there). */
async function ledgerCalls(server: TestServer, operation: string): Promise<number> {
  const response = await api(server.url, '/metrics', { headers: { connection: 'close' } });
  const pattern = new RegExp(
    `^flashsale_backend_operation_duration_seconds_count\\{[^}]*operation="${operation}"[^}]*\\} (\\d+)$`,
    'm',
  );
  return Number(pattern.exec(response.text)?.[1] ?? 0);
}

/** Purchase attempts the extra thread answered, from its own registry. */
async function extraThreadPurchases(server: TestServer): Promise<number> {
  const snapshots = await server.node.httpThreads!.snapshots();
  let total = 0;
  for (const metric of snapshots.flat()) {
    if (metric.name === 'flashsale_purchases_total') for (const value of metric.values) total += value.value;
  }
  return total;
}

describe('two HTTP threads on one port, one store', () => {
  let server: TestServer;
  let admin: string;

  beforeAll(async () => {
    server = await startTestServer({ flags: ['--http-threads', '2', '--rate-limit-per-second', '0'] });
    admin = await server.adminToken();
  });
  afterAll(() => server.close());

  it('sells exactly the stock whichever thread takes each request', async () => {
    const sale = await server.createSale({ stock: 100, perUserLimit: 2 });
    const tokens = await Promise.all(Array.from({ length: 300 }, (_, u) => server.token(`threaded-${u}`)));
    const attempts = Array.from(
      { length: 1500 },
      (_, i) => () =>
        api(server.url, `/v1/sales/${sale.id}/purchase`, {
          method: 'POST',
          token: tokens[i % 300]!,
          body: { quantity: 1, idempotencyKey: `attempt-${i}` },
        }),
    );
    const responses = await inParallel(300, attempts);

    expect(responses.filter((r) => r.status >= 500)).toEqual([]);
    const reserved = responses.filter((r) => r.status === 201);
    expect(reserved).toHaveLength(100);
    expect(new Set(reserved.map((r) => r.json.orderId)).size).toBe(100);
    const codes = new Set(responses.filter((r) => r.status !== 201).map((r) => r.json.error.code));
    expect([...codes].every((code) => code === 'sold_out' || code === 'limit_exceeded')).toBe(true);

    // Both threads took purchases, and a scrape on either counts each purchase once.
    const byExtraThread = await extraThreadPurchases(server);
    expect(byExtraThread).toBeGreaterThan(0);
    expect(byExtraThread).toBeLessThan(responses.length);
    for (let scrape = 0; scrape < 4; scrape++) expect(await scrapedPurchases(server)).toBe(responses.length);

    const audit = await api(server.url, `/v1/sales/${sale.id}/audit`, { token: admin });
    expect(audit.json).toMatchObject({ ok: true, initial: 100, available: 0, held: 100, violations: [] });
  });

  it('serves every route from the other thread too, with the same answers', async () => {
    const sale = await server.createSale({ stock: 5, perUserLimit: 1 });
    const token = await server.token('reader');
    const bought = await api(server.url, `/v1/sales/${sale.id}/purchase`, {
      method: 'POST',
      token,
      body: { quantity: 1, idempotencyKey: 'only' },
    });
    expect(bought.status).toBe(201);
    // Fresh connections land on either thread; all of them must see the same order and sale.
    const reads = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? api(server.url, `/v1/orders/${bought.json.orderId}`, { token, headers: { connection: 'close' } })
          : api(server.url, `/v1/sales/${sale.id}`, { headers: { connection: 'close' } }),
      ),
    );
    for (const [i, read] of reads.entries()) {
      expect(read.status).toBe(200);
      if (i % 2 === 0) expect(read.json).toMatchObject({ id: bought.json.orderId, quantity: 1 });
      else expect(read.json).toMatchObject({ id: sale.id, available: 4 });
    }
    const missing = await api(server.url, '/v1/orders/no-such-order', {
      token,
      headers: { connection: 'close' },
    });
    expect(missing.status).toBe(404);
  });

  it('replays a bought key after the sell-out on either thread; fresh keys are refused without asking the ledger', async () => {
    const sale = await server.createSale({ stock: 1, perUserLimit: 1 });
    const token = await server.token('first-buyer');
    const bought = await api(server.url, `/v1/sales/${sale.id}/purchase`, {
      method: 'POST',
      token,
      body: { quantity: 1, idempotencyKey: 'the-key' },
    });
    expect(bought.status).toBe(201);
    const loser = await server.token('loser');
    // Tell both threads the sale is sold out (a refusal from the store on each).
    await inParallel(
      20,
      Array.from(
        { length: 40 },
        (_, i) => () =>
          api(server.url, `/v1/sales/${sale.id}/purchase`, {
            method: 'POST',
            token: loser,
            headers: { connection: 'close' },
            body: { quantity: 1, idempotencyKey: `warm-${i}` },
          }),
      ),
    );
    // Fresh connections land on either thread; the buyer's key is answered by the ledger (its holder
    // is not refused by the sold-out board), whichever thread takes it.
    const replays = await Promise.all(
      Array.from({ length: 20 }, () =>
        api(server.url, `/v1/sales/${sale.id}/purchase`, {
          method: 'POST',
          token,
          headers: { connection: 'close' },
          body: { quantity: 1, idempotencyKey: 'the-key' },
        }),
      ),
    );
    for (const replay of replays) expect(replay.json.orderId).toBe(bought.json.orderId);
    // A fresh key, refused by either thread: the shared filter answers, the ledger is not asked.
    const checks = await ledgerCalls(server, 'hasUsedKey');
    const extraBefore = await extraThreadPurchases(server);
    const fresh = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        api(server.url, `/v1/sales/${sale.id}/purchase`, {
          method: 'POST',
          token: loser,
          headers: { connection: 'close' },
          body: { quantity: 1, idempotencyKey: `fresh-${i}` },
        }),
      ),
    );
    expect(fresh.map((r) => r.json.error?.code)).toEqual(Array(60).fill('sold_out'));
    const byExtraThread = (await extraThreadPurchases(server)) - extraBefore;
    expect(byExtraThread).toBeGreaterThan(0);
    expect((await ledgerCalls(server, 'hasUsedKey')) - checks).toBe(0);
  });
});

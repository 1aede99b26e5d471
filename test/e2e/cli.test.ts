import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const run = promisify(execFile);
const flashsale = (...args: string[]) => run(process.execPath, ['bin/flashsale.js', ...args]);

describe('the flashsale command', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ worker: { maxAttempts: 1 } });
  });
  afterAll(() => server.close());

  it('prints shopper and admin tokens the local server accepts', async () => {
    const shopper = (await flashsale('token', '--sub', 'zoe', '--data-dir', server.dataDir)).stdout.trim();
    const admin = (
      await flashsale('token', '--sub', 'boss', '--admin', '--data-dir', server.dataDir)
    ).stdout.trim();
    const sale = await server.createSale();
    const bought = await api(server.url, `/v1/sales/${sale.id}/purchase`, {
      method: 'POST',
      token: shopper,
      body: { quantity: 1, idempotencyKey: 'cli' },
    });
    expect(bought.status).toBe(201);
    expect((await api(server.url, `/v1/orders/${bought.json.orderId}`, { token: shopper })).json.userId).toBe(
      'zoe',
    );
    expect((await api(server.url, `/v1/sales/${sale.id}/audit`, { token: shopper })).status).toBe(403);
    expect((await api(server.url, `/v1/sales/${sale.id}/audit`, { token: admin })).json.ok).toBe(true);
  });

  it('refuses a token request without a subject', async () => {
    await expect(flashsale('token', '--data-dir', server.dataDir)).rejects.toMatchObject({ code: 2 });
  });

  it('lists and redrives dead letters of a running embedded store', async () => {
    await server.node.backend.queue.publish('reservation.created', '{}', Date.now());
    for (let i = 0; i < 100 && (await server.node.backend.queue.depth()).dead === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const listed = await flashsale('dead-letters', 'list', '--data-dir', server.dataDir);
    expect(listed.stdout).toMatch(/\treservation\.created\t1 attempts\t/);
    const redriven = await flashsale('dead-letters', 'redrive', '--all', '--data-dir', server.dataDir);
    expect(redriven.stdout.trim()).toBe('redriven: 1');
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalIssuer, loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { api, inParallel } from '../support/http-client.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

const ROUNDS = 5;
const STOCK = 800;
const USERS = 600;
// The default thread count (one HTTP thread per core): the process killed is the one users run.
const FLAGS = [
  '--rate-limit-per-second',
  '0',
  '--demo-sale',
  'false',
  '--durability',
  'full',
  '--http-threads',
  'auto',
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a server killed with SIGKILL mid-sale', () => {
  const running: ServerProcess[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.kill()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function start(dataDir: string): Promise<ServerProcess> {
    const server = await spawnServer(['--data-dir', dataDir, ...FLAGS]);
    running.push(server);
    return server;
  }

  async function createSale(url: string, admin: string): Promise<string> {
    const now = Date.now();
    const created = await api(url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: saleRequestBody(now, { sku: 'CRASH', stock: STOCK, paymentWindowSeconds: 600 }),
    });
    expect(created.status).toBe(201);
    return created.json.id;
  }

  /** Buys until the server stops answering; returns the 201 bodies it acknowledged. */
  async function stampede(
    url: string,
    saleId: string,
    tokens: string[],
  ): Promise<Array<{ orderId: string }>> {
    const acknowledged: Array<{ orderId: string }> = [];
    let dead = false;
    let attempt = 0;
    const lane = async () => {
      while (!dead && attempt < 20_000) {
        const i = attempt++;
        try {
          const response = await api(url, `/v1/sales/${saleId}/purchase`, {
            method: 'POST',
            token: tokens[i % USERS]!,
            body: { quantity: 1, idempotencyKey: `crash-${i}` },
          });
          if (response.status === 201) acknowledged.push(response.json);
        } catch {
          dead = true; // connection refused or reset: the server is gone
        }
      }
    };
    await Promise.all(Array.from({ length: 64 }, lane));
    return acknowledged;
  }

  it('keeps every acknowledged reservation and makes each exactly one order', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-crash-'));
    dirs.push(dataDir);
    const issuer: LocalIssuer = await loadLocalIssuer(dataDir);
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const tokens = await Promise.all(
      Array.from({ length: USERS }, (_, u) => issuer.sign({ sub: `u${u}`, admin: false })),
    );

    for (let round = 0; round < ROUNDS; round++) {
      const server = await start(dataDir);
      const saleId = await createSale(server.url, admin);
      const killAfterMs = 50 + Math.floor(Math.random() * 1200);
      const buying = stampede(server.url, saleId, tokens);
      await sleep(killAfterMs);
      await server.kill('SIGKILL');
      const acknowledged = await buying;

      const restarted = await start(dataDir);
      let audit = await api(restarted.url, `/v1/sales/${saleId}/audit`, { token: admin });
      for (let i = 0; i < 300 && audit.json.ordersPending !== 0; i++) {
        await sleep(50);
        audit = await api(restarted.url, `/v1/sales/${saleId}/audit`, { token: admin });
      }
      const context = `round ${round}, killed after ${killAfterMs} ms, ${acknowledged.length} acknowledged`;
      expect(audit.json, context).toMatchObject({
        ok: true,
        violations: [],
        ordersPending: 0,
        initial: STOCK,
      });
      expect(audit.json.available + audit.json.held + audit.json.paid, context).toBe(STOCK);
      expect(audit.json.reservations, context).toBeGreaterThanOrEqual(acknowledged.length);
      expect(new Set(acknowledged.map((a) => a.orderId)).size, context).toBe(acknowledged.length);

      const statuses = await inParallel(
        32,
        acknowledged.map(({ orderId }) => async () => {
          const order = await api(restarted.url, `/v1/orders/${orderId}`, { token: admin });
          return order.json.status as string;
        }),
      );
      expect(
        statuses.filter((s) => s !== 'confirmed'),
        context,
      ).toEqual([]);

      // The restarted server still sells what is left, and the books still balance.
      const more = await api(restarted.url, `/v1/sales/${saleId}/purchase`, {
        method: 'POST',
        token: await issuer.sign({ sub: `after-${round}`, admin: false }),
        body: { quantity: 1, idempotencyKey: 'after-restart' },
      });
      expect(more.status, context).toBe(audit.json.available > 0 ? 201 : 409);
      const after = await api(restarted.url, `/v1/sales/${saleId}/audit`, { token: admin });
      expect(after.json.ok, context).toBe(true);
      await restarted.kill('SIGTERM');
    }
  });
});

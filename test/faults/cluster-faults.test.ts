import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalIssuer, loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import { clusterServerFlags, uniqueNamespace } from '../support/cluster-services.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { type ApiResponse, api, inParallel } from '../support/http-client.ts';
import { type PostgresServer, startPostgresServer } from '../support/postgres-server.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Faults of the cluster shape, each against a redis-server (AOF, fsync on
 * every write) and a PostgreSQL this file starts in temp dirs, so the shared
 * servers stay up for everyone else.
 */
describe('the cluster shape under faults', () => {
  let redis: RedisServer;
  let postgres: PostgresServer;
  let dataDir: string;
  let issuer: LocalIssuer;
  let admin: string;
  const running: ServerProcess[] = [];

  beforeAll(async () => {
    [redis, postgres] = await Promise.all([startRedisServer('always'), startPostgresServer()]);
    dataDir = mkdtempSync(join(tmpdir(), 'flashsale-cluster-faults-'));
    issuer = await loadLocalIssuer(dataDir);
    admin = await issuer.sign({ sub: 'ops', admin: true });
  });

  // Each test its own keys and schema on the servers of this file.
  let currentNamespace = uniqueNamespace();
  afterEach(async () => {
    await Promise.all(running.splice(0).map((p) => p.kill('SIGKILL')));
    currentNamespace = uniqueNamespace();
  });

  afterAll(async () => {
    await Promise.all([redis?.destroy(), postgres?.destroy()]);
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(role: 'all' | 'api' | 'worker', extra: string[] = []): Promise<ServerProcess> {
    const namespace = currentNamespace;
    const server = await spawnServer(
      clusterServerFlags({
        role,
        namespace,
        dataDir,
        redisUrl: redis.url,
        databaseUrl: postgres.url,
        extra: ['--worker-claim-idle-ms', '1000', ...extra],
      }),
    );
    running.push(server);
    return server;
  }

  async function createSale(url: string, stock: number): Promise<string> {
    const created = await api(url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: saleRequestBody(Date.now(), { sku: 'FAULT', stock, perUserLimit: 2, paymentWindowSeconds: 600 }),
    });
    expect(created.status).toBe(201);
    return created.json.id;
  }

  const tokens = (count: number, tag: string) =>
    Promise.all(Array.from({ length: count }, (_, u) => issuer.sign({ sub: `${tag}-${u}`, admin: false })));

  function buy(url: string, saleId: string, token: string, key: string): Promise<ApiResponse> {
    return api(url, `/v1/sales/${saleId}/purchase`, {
      method: 'POST',
      token,
      body: { quantity: 1, idempotencyKey: key },
    });
  }

  async function settledAudit(url: string, saleId: string): Promise<ApiResponse> {
    let audit = await api(url, `/v1/sales/${saleId}/audit`, { token: admin });
    for (let i = 0; i < 300 && (audit.status !== 200 || audit.json.ordersPending !== 0); i++) {
      await sleep(100);
      audit = await api(url, `/v1/sales/${saleId}/audit`, { token: admin });
    }
    return audit;
  }

  async function orderStatuses(url: string, orderIds: readonly string[]): Promise<string[]> {
    return inParallel(
      32,
      orderIds.map((id) => async () => (await api(url, `/v1/orders/${id}`, { token: admin })).json.status),
    );
  }

  it('loses and doubles no order when a worker is killed with SIGKILL mid-batch', async () => {
    const apiServer = await start('api');
    const saleId = await createSale(apiServer.url, 1500);
    const shoppers = await tokens(750, 'kw');
    const responses = await inParallel(
      64,
      Array.from({ length: 1500 }, (_, i) => () => buy(apiServer.url, saleId, shoppers[i % 750]!, `k${i}`)),
    );
    const orderIds = responses.filter((r) => r.status === 201).map((r) => r.json.orderId as string);
    expect(orderIds).toHaveLength(1500);

    const doomed = await start('worker');
    let audit = await api(apiServer.url, `/v1/sales/${saleId}/audit`, { token: admin });
    while (audit.json.ordersPending > 1300) {
      audit = await api(apiServer.url, `/v1/sales/${saleId}/audit`, { token: admin });
    }
    await doomed.kill('SIGKILL');
    const pendingAtKill = audit.json.ordersPending as number;
    expect(pendingAtKill).toBeGreaterThan(0);

    // The survivor takes over what the dead worker had been handed but not acked.
    await start('worker');
    const settled = await settledAudit(apiServer.url, saleId);
    expect(settled.json).toMatchObject({ ok: true, reservations: 1500, held: 1500, ordersPending: 0 });
    const statuses = await orderStatuses(apiServer.url, orderIds);
    expect(statuses.filter((s) => s !== 'confirmed')).toEqual([]);
    const dead = await api(apiServer.url, '/v1/admin/dead-letters', { token: admin });
    expect(dead.json.deadLetters).toEqual([]);
  });

  it('answers 503 while Redis is down, never a wrong 201, and keeps every 201 across a SIGKILL', async () => {
    const server = await start('all');
    const saleId = await createSale(server.url, 2000);
    const shoppers = await tokens(1000, 'rk');
    const acknowledged: string[] = [];
    const duringOutage: ApiResponse[] = [];
    let phase: 'before' | 'down' | 'after' = 'before';
    let attempt = 0;
    const lane = async () => {
      while (phase !== 'after') {
        const i = attempt++;
        const seenIn = phase;
        const response = await buy(server.url, saleId, shoppers[i % 1000]!, `r${i}`);
        if (response.status === 201) acknowledged.push(response.json.orderId);
        if (seenIn === 'down' && phase === 'down') duringOutage.push(response);
      }
    };
    const lanes = Promise.all(Array.from({ length: 16 }, lane));
    await sleep(300 + Math.floor(Math.random() * 500));
    await redis.kill('SIGKILL');
    phase = 'down';
    await sleep(1500);
    const ready = await api(server.url, '/readyz');
    phase = 'after';
    await lanes;

    expect(ready.status).toBe(503);
    expect(duringOutage.length).toBeGreaterThan(0);
    expect(duringOutage.filter((r) => r.status !== 503)).toEqual([]);
    expect(new Set(duringOutage.map((r) => r.json.error.code))).toEqual(new Set(['backend_unavailable']));

    await redis.restart();
    const settled = await settledAudit(server.url, saleId);
    expect(settled.json, `${acknowledged.length} acknowledged`).toMatchObject({
      ok: true,
      violations: [],
      ordersPending: 0,
    });
    expect(settled.json.reservations).toBeGreaterThanOrEqual(acknowledged.length);
    const statuses = await orderStatuses(server.url, acknowledged);
    expect(statuses.filter((s) => s !== 'confirmed')).toEqual([]);

    // Back in business: it sells again, and a key retried after a 503 gets one unit at most.
    const again = await buy(server.url, saleId, shoppers[0]!, 'after-restart');
    expect(again.status === 201 || again.json.error.code === 'limit_exceeded').toBe(true);
    expect((await api(server.url, `/v1/sales/${saleId}/audit`, { token: admin })).json.ok).toBe(true);
  });

  it('keeps taking reservations while PostgreSQL is stopped and makes their orders once it is back', async () => {
    const server = await start('all', ['--worker-max-attempts', '30']);
    const saleId = await createSale(server.url, 400);
    const shoppers = await tokens(200, 'pg');
    await postgres.stop();
    try {
      const responses = await inParallel(
        32,
        Array.from({ length: 400 }, (_, i) => () => buy(server.url, saleId, shoppers[i % 200]!, `p${i}`)),
      );
      expect(responses.map((r) => r.status).filter((s) => s !== 201)).toEqual([]);
      await sleep(1000);
      const orderIds = responses.map((r) => r.json.orderId as string);
      const unreadable = await api(server.url, `/v1/orders/${orderIds[0]}`, { token: admin });
      expect(unreadable.status).toBe(503);
      expect(unreadable.json.error.code).toBe('backend_unavailable');
      await postgres.start();
      const settled = await settledAudit(server.url, saleId);
      expect(settled.json).toMatchObject({ ok: true, reservations: 400, held: 400, ordersPending: 0 });
      const statuses = await orderStatuses(server.url, orderIds);
      expect(statuses.filter((s) => s !== 'confirmed')).toEqual([]);
      const dead = await api(server.url, '/v1/admin/dead-letters', { token: admin });
      expect(dead.json.deadLetters).toEqual([]);
    } finally {
      await postgres.start().catch(() => {});
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import {
  clusterServerFlags,
  dropNamespace,
  type Namespace,
  sharedDatabaseUrl,
  sharedRedisUrl,
  sharedServicesAvailable,
  uniqueNamespace,
} from '../support/cluster-services.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { api, inParallel } from '../support/http-client.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

const ATTEMPTS = 5_000;
const STOCK = 300;
const USERS = 1_000;

const available = await sharedServicesAvailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!available)('the cluster shape as separate processes', () => {
  const namespace: Namespace = uniqueNamespace();
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-cluster-'));
  const processes: ServerProcess[] = [];

  // The API processes run two HTTP threads each: the threads' store calls and sold-out news cross the main thread.
  const start = (role: 'api' | 'worker') =>
    spawnServer(
      clusterServerFlags({
        role,
        namespace,
        dataDir,
        extra: role === 'api' ? ['--http-threads', '2'] : [],
      }),
    );

  beforeAll(async () => {
    // Written first so that every process signs and verifies with the same local key.
    await loadLocalIssuer(dataDir);
    processes.push(...(await Promise.all([start('api'), start('api'), start('worker'), start('worker')])));
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await dropNamespace(namespace);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sells exactly 300 units to 5,000 attempts spread over two API processes; two workers make 300 orders', async () => {
    const [apiA, apiB] = processes;
    const issuer = await loadLocalIssuer(dataDir);
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const created = await api(apiA!.url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: saleRequestBody(Date.now(), { sku: 'MULTI', stock: STOCK, perUserLimit: 2 }),
    });
    expect(created.status).toBe(201);
    const saleId = created.json.id as string;
    const tokens = await Promise.all(
      Array.from({ length: USERS }, (_, u) => issuer.sign({ sub: `shopper-${u}`, admin: false })),
    );

    const responses = await inParallel(
      128,
      Array.from(
        { length: ATTEMPTS },
        (_, i) => () =>
          api((i % 2 === 0 ? apiA : apiB)!.url, `/v1/sales/${saleId}/purchase`, {
            method: 'POST',
            token: tokens[i % USERS]!,
            body: { quantity: 1, idempotencyKey: `attempt-${i}` },
          }),
      ),
    );

    const reserved = responses.filter((r) => r.status === 201);
    const refusals = new Set(responses.filter((r) => r.status !== 201).map((r) => r.json?.error?.code));
    expect(reserved).toHaveLength(STOCK);
    expect([...refusals].filter((code) => code !== 'sold_out' && code !== 'limit_exceeded')).toEqual([]);
    expect(refusals.has('sold_out')).toBe(true);
    expect(new Set(reserved.map((r) => r.json.orderId)).size).toBe(STOCK);

    let audit = await api(apiB!.url, `/v1/sales/${saleId}/audit`, { token: admin });
    for (let i = 0; i < 200 && audit.json.ordersPending !== 0; i++) {
      await sleep(100);
      audit = await api(apiB!.url, `/v1/sales/${saleId}/audit`, { token: admin });
    }
    expect(audit.json).toMatchObject({
      ok: true,
      violations: [],
      initial: STOCK,
      available: 0,
      held: STOCK,
      reservations: STOCK,
      ordersPending: 0,
    });
    const statuses = await inParallel(
      32,
      reserved.map(
        (r) => async () =>
          (await api(apiA!.url, `/v1/orders/${r.json.orderId}`, { token: admin })).json.status,
      ),
    );
    expect(statuses.filter((s) => s !== 'confirmed')).toEqual([]);

    // Only the two worker processes joined the stream's consumer group.
    const redis = new Redis(sharedRedisUrl);
    try {
      const consumers = (await redis.xinfo(
        'CONSUMERS',
        `${namespace.redisPrefix}events`,
        'order-workers',
      )) as unknown[];
      expect(consumers).toHaveLength(2);
    } finally {
      redis.disconnect();
    }
  });

  it('expires unpaid reservations exactly once while two workers race to release them', async () => {
    const [apiA] = processes;
    const issuer = await loadLocalIssuer(dataDir);
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const created = await api(apiA!.url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: saleRequestBody(Date.now(), {
        sku: 'EXPIRE',
        stock: 100,
        perUserLimit: 1,
        paymentWindowSeconds: 1,
      }),
    });
    const saleId = created.json.id as string;
    const bought = await inParallel(
      32,
      Array.from(
        { length: 100 },
        (_, i) => async () =>
          api(apiA!.url, `/v1/sales/${saleId}/purchase`, {
            method: 'POST',
            token: await issuer.sign({ sub: `late-payer-${i}`, admin: false }),
            body: { quantity: 1, idempotencyKey: 'once' },
          }),
      ),
    );
    expect(bought.filter((r) => r.status === 201)).toHaveLength(100);

    let audit = await api(apiA!.url, `/v1/sales/${saleId}/audit`, { token: admin });
    for (let i = 0; i < 100 && (audit.json.released !== 100 || audit.json.ordersPending !== 0); i++) {
      await sleep(100);
      audit = await api(apiA!.url, `/v1/sales/${saleId}/audit`, { token: admin });
    }
    expect(audit.json).toMatchObject({ ok: true, initial: 100, available: 100, held: 0, released: 100 });

    // Each order expired once: one release row per order, whichever worker got there.
    const client = new pg.Client({ connectionString: sharedDatabaseUrl });
    await client.connect();
    try {
      const schema = namespace.databaseSchema;
      let rows: Array<{ status: string; n: string }> = [];
      for (let i = 0; i < 50; i++) {
        ({ rows } = await client.query(
          `SELECT status, COUNT(*) AS n FROM ${schema}.orders WHERE sale_id = $1 GROUP BY status`,
          [saleId],
        ));
        if (rows.length === 1 && rows[0]!.status === 'expired') break;
        await sleep(100);
      }
      expect(rows).toEqual([{ status: 'expired', n: '100' }]);
      const releases = await client.query(
        `SELECT COUNT(*) AS n FROM ${schema}.order_releases r JOIN ${schema}.orders o ON o.id = r.order_id
         WHERE o.sale_id = $1 AND r.reason = 'expired'`,
        [saleId],
      );
      expect(releases.rows[0].n).toBe('100');
    } finally {
      await client.end();
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import {
  dropNamespace,
  type Namespace,
  sharedDatabaseUrl,
  sharedServicesAvailable,
  uniqueNamespace,
} from '../support/cluster-services.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { type ApiResponse, api } from '../support/http-client.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

// One attempt per ten seconds: a second attempt inside a test is always over the limit.
const ONE_PER_TEN_SECONDS = '0.1';

function buy(
  url: string,
  saleId: string,
  token: string,
  key: string,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  return api(url, `/v1/sales/${saleId}/purchase`, {
    method: 'POST',
    token,
    body: { quantity: 1, idempotencyKey: key },
    headers: { connection: 'close', ...headers },
  });
}

async function availableOf(url: string, saleId: string): Promise<number> {
  return (await api(url, `/v1/sales/${saleId}`)).json.available;
}

describe('the per-shopper limit on one server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      flags: ['--rate-limit-per-second', ONE_PER_TEN_SECONDS, '--rate-limit-burst', '1'],
    });
  });
  afterAll(() => server.close());

  it('answers 429 rate_limited with Retry-After, and the refused attempt takes no stock', async () => {
    const sale = await server.createSale({ stock: 5, perUserLimit: 4 });
    const token = await server.token('eager');
    expect((await buy(server.url, sale.id, token, 'one')).status).toBe(201);
    expect(await availableOf(server.url, sale.id)).toBe(4);

    const refused = await buy(server.url, sale.id, token, 'two');
    expect(refused.status).toBe(429);
    expect(refused.json.error).toMatchObject({ code: 'rate_limited', details: { limit: 'user' } });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(await availableOf(server.url, sale.id)).toBe(4);
    const audit = await api(server.url, `/v1/sales/${sale.id}/audit`, { token: await server.adminToken() });
    expect(audit.json).toMatchObject({ ok: true, available: 4, held: 1, reservations: 1 });

    // Another shopper is not held back by this one.
    expect((await buy(server.url, sale.id, await server.token('patient'), 'one')).status).toBe(201);
  });
});

describe('the per-client limit and X-Forwarded-For', () => {
  const servers: TestServer[] = [];
  const start = async (trusted: string) => {
    const server = await startTestServer({
      flags: [
        '--rate-limit-per-second',
        '0',
        '--rate-limit-ip-per-second',
        ONE_PER_TEN_SECONDS,
        '--trusted-proxies',
        trusted,
      ],
    });
    servers.push(server);
    return server;
  };
  afterAll(() => Promise.all(servers.map((s) => s.close())));

  it('counts the address a trusted proxy forwarded: two clients behind it are two', async () => {
    const server = await start('127.0.0.0/8');
    const sale = await server.createSale({ stock: 10 });
    const [ann, bob, cat] = await Promise.all(['ann', 'bob', 'cat'].map((u) => server.token(u)));
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    expect((await buy(server.url, sale.id, ann!, 'k', from('198.51.100.1'))).status).toBe(201);
    expect((await buy(server.url, sale.id, bob!, 'k', from('198.51.100.2'))).status).toBe(201);
    const refused = await buy(server.url, sale.id, cat!, 'k', from('198.51.100.1'));
    expect(refused.status).toBe(429);
    expect(refused.json.error.details.limit).toBe('client');
    expect(refused.headers.get('retry-after')).not.toBeNull();
    expect(await availableOf(server.url, sale.id)).toBe(8);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy: it cannot dodge the limit', async () => {
    const server = await start('10.0.0.0/8');
    const sale = await server.createSale({ stock: 10 });
    const [ann, bob] = await Promise.all(['ann', 'bob'].map((u) => server.token(u)));
    expect((await buy(server.url, sale.id, ann!, 'k', { 'x-forwarded-for': '198.51.100.1' })).status).toBe(
      201,
    );
    const refused = await buy(server.url, sale.id, bob!, 'k', { 'x-forwarded-for': '198.51.100.2' });
    expect(refused.status).toBe(429);
    expect(refused.json.error.details.limit).toBe('client');
    expect(await availableOf(server.url, sale.id)).toBe(9);
  });
});

describe('the per-shopper limit across HTTP threads', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      flags: [
        '--http-threads',
        '2',
        '--rate-limit-per-second',
        ONE_PER_TEN_SECONDS,
        '--rate-limit-burst',
        '1',
      ],
    });
  });
  afterAll(() => server.close());

  it('is one count for the process: whichever thread takes each attempt, one is admitted', async () => {
    const sale = await server.createSale({ stock: 50, perUserLimit: 50 });
    const token = await server.token('threads');
    const responses: ApiResponse[] = [];
    // A new connection each time, so the kernel spreads the attempts over both threads.
    for (let i = 0; i < 30; i++) responses.push(await buy(server.url, sale.id, token, `k${i}`));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 429)).toHaveLength(29);
    expect(await availableOf(server.url, sale.id)).toBe(49);
    // The extra thread did answer some of them (else this proves nothing about sharing).
    const snapshots = await server.node.httpThreads!.snapshots();
    const byExtra = snapshots
      .flat()
      .filter((m) => m.name === 'flashsale_purchases_total')
      .flatMap((m) => m.values)
      .reduce((sum, v) => sum + v.value, 0);
    expect(byExtra).toBeGreaterThan(0);
  });
});

const clusterAvailable = await sharedServicesAvailable();

describe.skipIf(!clusterAvailable)('the per-shopper limit across cluster processes (Redis)', () => {
  const namespace: Namespace = uniqueNamespace();
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-limits-'));
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    await loadLocalIssuer(dataDir);
    const start = () =>
      spawnServer([
        '--backend',
        'cluster',
        '--role',
        'api',
        '--redis-prefix',
        namespace.redisPrefix,
        '--database-url',
        sharedDatabaseUrl,
        '--database-schema',
        namespace.databaseSchema,
        '--data-dir',
        dataDir,
        '--rate-limit-per-second',
        ONE_PER_TEN_SECONDS,
        '--rate-limit-burst',
        '1',
        '--demo-sale',
        'false',
      ]);
    // One after the other: both migrate the same schema at start.
    processes.push(await start());
    processes.push(await start());
  });
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await dropNamespace(namespace);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses on the second process a shopper who used the limit up on the first', async () => {
    const [first, second] = processes;
    const issuer = await loadLocalIssuer(dataDir);
    const created = await api(first!.url, '/v1/sales', {
      method: 'POST',
      token: await issuer.sign({ sub: 'ops', admin: true }),
      body: saleRequestBody(Date.now(), { stock: 10, perUserLimit: 5 }),
    });
    expect(created.status).toBe(201);
    const saleId = created.json.id as string;
    const dana = await issuer.sign({ sub: 'dana', admin: false });

    expect((await buy(first!.url, saleId, dana, 'one')).status).toBe(201);
    const refused = await buy(second!.url, saleId, dana, 'two');
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await availableOf(second!.url, saleId)).toBe(9);
    // The second process is not refusing everyone: another shopper buys there.
    const eli = await issuer.sign({ sub: 'eli', admin: false });
    expect((await buy(second!.url, saleId, eli, 'one')).status).toBe(201);
    expect(await availableOf(first!.url, saleId)).toBe(8);
  });
});

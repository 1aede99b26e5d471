import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import {
  clusterServerFlags,
  dropNamespace,
  type Namespace,
  sharedServicesAvailable,
  uniqueNamespace,
} from '../support/cluster-services.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { api, inParallel } from '../support/http-client.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

const available = await sharedServicesAvailable();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BUYERS = 60;

/**
 * One cluster process serving the API and confirming orders (`--role all`):
 * its order worker runs on a thread of its own, with its own connections.
 * Every order gets confirmed, the thread's counters are in the process's
 * /metrics, and a SIGTERM stops the thread and the process cleanly.
 */
describe.skipIf(!available)('a cluster process with --role all', () => {
  const namespace: Namespace = uniqueNamespace();
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-worker-thread-'));
  let server: ServerProcess;

  beforeAll(async () => {
    await loadLocalIssuer(dataDir);
    server = await spawnServer(clusterServerFlags({ role: 'all', namespace, dataDir }));
  });

  afterAll(async () => {
    if (server.child.exitCode === null) await server.kill('SIGKILL');
    await dropNamespace(namespace);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('confirms every order on its worker thread, counts them in /metrics, and stops cleanly', async () => {
    const issuer = await loadLocalIssuer(dataDir);
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const created = await api(server.url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: saleRequestBody(Date.now(), { sku: 'THREAD', stock: BUYERS, perUserLimit: 1 }),
    });
    expect(created.status).toBe(201);
    const saleId = created.json.id as string;
    const purchases = await inParallel(
      16,
      Array.from({ length: BUYERS }, (_, u) => async () => {
        const token = await issuer.sign({ sub: `buyer-${u}`, admin: false });
        return api(server.url, `/v1/sales/${saleId}/purchase`, {
          method: 'POST',
          token,
          body: { quantity: 1, idempotencyKey: `k-${u}` },
        });
      }),
    );
    expect(purchases.map((p) => p.status)).toEqual(Array(BUYERS).fill(201));

    let audit = await api(server.url, `/v1/sales/${saleId}/audit`, { token: admin });
    for (let i = 0; i < 200 && audit.json.ordersPending !== 0; i++) {
      await sleep(100);
      audit = await api(server.url, `/v1/sales/${saleId}/audit`, { token: admin });
    }
    expect(audit.json).toMatchObject({ ok: true, held: BUYERS, ordersPending: 0 });
    const statuses = await inParallel(
      16,
      purchases.map(
        (p) => async () =>
          (await api(server.url, `/v1/orders/${p.json.orderId}`, { token: admin })).json.status,
      ),
    );
    expect(new Set(statuses)).toEqual(new Set(['confirmed']));

    // The worker that confirmed them is the thread's: its start is logged, and its counters reach /metrics.
    expect(server.stderr()).toContain('order worker started on a thread of its own');
    const metrics = await api(server.url, '/metrics', { token: admin });
    const processed = /flashsale_order_events_total\{result="processed"\} (\d+)/.exec(metrics.text);
    expect(Number(processed?.[1])).toBeGreaterThanOrEqual(BUYERS);

    await server.kill('SIGTERM');
    expect(server.child.exitCode).toBe(0);
  });
});

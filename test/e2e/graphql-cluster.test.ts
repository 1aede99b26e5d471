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
import {
  graphqlHttp,
  graphqlSocket,
  type Json,
  ORDER_UPDATED,
  PAY,
  PURCHASE,
  SALE_STATUS,
  subscribe,
} from '../support/graphql-client.ts';
import { api } from '../support/http-client.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

const available = await sharedServicesAvailable();

describe.skipIf(!available)('GraphQL on the cluster shape, API and worker in separate processes', () => {
  const namespace: Namespace = uniqueNamespace();
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-graphql-cluster-'));
  const processes: ServerProcess[] = [];

  const start = (role: 'api' | 'worker') => spawnServer(clusterServerFlags({ role, namespace, dataDir }));

  beforeAll(async () => {
    await loadLocalIssuer(dataDir);
    // Two API processes and, for now, no worker: nothing confirms an order until the test starts one.
    processes.push(...(await Promise.all([start('api'), start('api')])));
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    await dropNamespace(namespace);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('buys on one API process; subscribers on both are pushed confirmed and paid by a worker process, through Redis', async () => {
    const [apiA, apiB] = processes;
    const issuer = await loadLocalIssuer(dataDir);
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const created = await api(apiA!.url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: saleRequestBody(Date.now(), { sku: 'GQL', stock: 3, perUserLimit: 1 }),
    });
    const saleId = created.json.id as string;
    const [jo, kim] = await Promise.all(['jo', 'kim'].map((sub) => issuer.sign({ sub, admin: false })));

    const onA = graphqlSocket(apiA!.url, jo);
    const onB = graphqlSocket(apiB!.url, jo);
    const kimOnB = graphqlSocket(apiB!.url, kim);
    try {
      const sale = subscribe(onB, SALE_STATUS, { saleId });
      await sale.next((r) => r.data.saleStatus.available === 3);
      const bought = await onA
        .iterate({ query: PURCHASE, variables: { saleId, quantity: 1, key: 'j1' } })
        .next();
      const { orderId } = (bought.value as Json).data.purchase;
      await sale.next((r) => r.data.saleStatus.available === 2);

      const watchA = subscribe(onA, ORDER_UPDATED, { orderId });
      const watchB = subscribe(onB, ORDER_UPDATED, { orderId });
      await watchA.next((r) => r.data.orderUpdated.status === 'pending');
      await watchB.next((r) => r.data.orderUpdated.status === 'pending');
      // Another shopper cannot watch it, on any process.
      const theirs = subscribe(kimOnB, ORDER_UPDATED, { orderId });
      await theirs.done;
      expect(theirs.results[0].errors[0].extensions.code).toBe('order_not_found');

      processes.push(await start('worker'));
      await watchA.next((r) => r.data.orderUpdated.status === 'confirmed', 20_000);
      await watchB.next((r) => r.data.orderUpdated.status === 'confirmed', 20_000);

      const paid = await graphqlHttp(apiB!.url, PAY, { orderId }, jo);
      expect(paid.body.data.pay.status).toBe('paid');
      await Promise.all([watchA.done, watchB.done]);
      for (const watch of [watchA, watchB]) {
        expect(watch.results.map((r) => r.data.orderUpdated.status)).toEqual([
          'pending',
          'confirmed',
          'paid',
        ]);
      }
      sale.stop();
    } finally {
      await Promise.all([onA.dispose(), onB.dispose(), kimOnB.dispose()]);
    }
  });
});

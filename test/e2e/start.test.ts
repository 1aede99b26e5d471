import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

describe('starting the embedded shape with no set-up', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-start-'));
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a live demo sale and prints a token and a purchase that work as printed', async () => {
    server = await spawnServer(['--data-dir', dataDir]);
    for (let i = 0; i < 100 && !server.stdout().includes('More tokens'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const printed = server.stdout();
    const token = /TOKEN=(\S+)/.exec(printed)?.[1];
    const purchasePath = new RegExp(`${server.url}(/v1/sales/[^/]+/purchase)`).exec(printed)?.[1];
    expect(token).toBeDefined();
    expect(purchasePath).toBeDefined();

    const bought = await api(server.url, purchasePath!, {
      method: 'POST',
      token: token!,
      body: { quantity: 1, idempotencyKey: 'first-try' },
    });
    expect(bought.status).toBe(201);
    const sale = await api(server.url, purchasePath!.replace('/purchase', ''));
    expect(sale.json).toMatchObject({ status: 'live', stock: 10_000, available: 9_999 });
    expect((await api(server.url, '/readyz')).status).toBe(200);
  });

  it('stops with a message naming the setting when the configuration is wrong', async () => {
    await expect(spawnServer(['--data-dir', dataDir, '--durability', 'sometimes'])).rejects.toThrow(
      /--durability \/ DURABILITY/,
    );
  });
});

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

  it('creates a sale in the running store that the server then sells, and shows it', async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await flashsale(
      'sale',
      'create',
      '--sku',
      'CLI-1',
      '--name',
      'Made on the command line',
      '--stock',
      '3',
      '--ends-at',
      endsAt,
      '--price-cents',
      '2500',
      '--currency',
      'EUR',
      '--per-user-limit',
      '2',
      '--data-dir',
      server.dataDir,
    );
    const sale = JSON.parse(created.stdout);
    expect(sale).toMatchObject({
      sku: 'CLI-1',
      name: 'Made on the command line',
      status: 'live',
      stock: 3,
      available: 3,
      perUserLimit: 2,
      priceCents: 2500,
      currency: 'EUR',
      paymentWindowSeconds: 900,
      endsAt,
    });
    const shopper = await server.token('cli-buyer');
    const bought = await api(server.url, `/v1/sales/${sale.id}/purchase`, {
      method: 'POST',
      token: shopper,
      body: { quantity: 2, idempotencyKey: 'cli-sale' },
    });
    expect(bought.status).toBe(201);
    const shown = JSON.parse((await flashsale('sale', 'show', sale.id, '--data-dir', server.dataDir)).stdout);
    expect(shown).toMatchObject({ id: sale.id, status: 'live', available: 1 });
  });

  it('refuses a sale without its required fields or with bad ones, naming the flag, and an unknown id', async () => {
    const missing = flashsale('sale', 'create', '--sku', 'X', '--data-dir', server.dataDir);
    await expect(missing).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--name: required/),
    });
    const badCurrency = flashsale(
      'sale',
      'create',
      '--sku',
      'X',
      '--name',
      'Y',
      '--stock',
      '1',
      '--ends-at',
      new Date(Date.now() + 60_000).toISOString(),
      '--price-cents',
      '1',
      '--currency',
      'euro',
      '--data-dir',
      server.dataDir,
    );
    await expect(badCurrency).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--currency: /),
    });
    const past = flashsale(
      'sale',
      'create',
      '--sku',
      'X',
      '--name',
      'Y',
      '--stock',
      '1',
      '--ends-at',
      '2020-01-01T00:00:00Z',
      '--price-cents',
      '1',
      '--currency',
      'EUR',
      '--data-dir',
      server.dataDir,
    );
    await expect(past).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/endsAt must be later than startsAt/),
    });
    await expect(
      flashsale('sale', 'show', 'no-such-sale', '--data-dir', server.dataDir),
    ).rejects.toMatchObject({
      code: 2,
      stderr: 'flashsale: no sale with id no-such-sale\n',
    });
  });

  it('prints help for itself and every command, and its version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect((await flashsale('--version')).stdout).toBe(`${version}\n`);
    const help = (await flashsale('--help')).stdout;
    for (const command of ['token', 'dead-letters', 'sale']) {
      expect(help).toContain(command);
      const own = (await flashsale(command, '--help')).stdout;
      expect(own).toMatch(new RegExp(`^usage: flashsale ${command} `));
    }
    await expect(flashsale('frobnicate')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no command "frobnicate"'),
    });
  });

  it('gives the server --help and --version without starting it', async () => {
    const main = (...args: string[]) => run(process.execPath, ['src/runtime/node/main.ts', ...args]);
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect((await main('--version')).stdout).toBe(`${version}\n`);
    const help = (await main('--help')).stdout;
    for (const setting of [
      '--port <value>',
      'PORT',
      'LOG_LEVEL',
      'SHUTDOWN_TIMEOUT_MS',
      'ALARMS',
      'ALARM_WEBHOOK_URL',
    ]) {
      expect(help).toContain(setting);
    }
  });
});

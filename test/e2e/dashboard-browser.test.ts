import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import { api, inParallel } from '../support/http-client.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';
import { startTestServer } from '../support/test-server.ts';

/** SAVE_DASHBOARD_SCREENSHOT=1 writes the README's picture; otherwise it goes to a temp dir. */
const SCREENSHOT = process.env.SAVE_DASHBOARD_SCREENSHOT
  ? new URL('../../docs/img/dashboard.png', import.meta.url).pathname
  : join(tmpdir(), `flashsale-dashboard-${process.pid}.png`);

/** The page updates once a second: give each look a few seconds, not vitest's default one. */
const eventually = <T>(look: () => Promise<T>) => expect.poll(look, { timeout: 10_000, interval: 100 });

const sale = (page: Page, name: string) => page.locator('[data-testid="sale"]', { hasText: name });

describe.skipIf(!browserAvailable)('the dashboard in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  describe('during a scripted sale against a server process', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-dashboard-'));
    let server: ServerProcess;

    beforeAll(async () => {
      server = await spawnServer([
        '--data-dir',
        dataDir,
        '--demo-sale',
        'false',
        '--rate-limit-per-second',
        '0',
      ]);
      for (let i = 0; i < 200 && !server.stdout().includes('Dashboard:'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });

    afterAll(async () => {
      await server?.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('signs in from the printed link, counts down, and shows the units falling to 0 and the sale sold out', async () => {
      const link = /Dashboard: (\S+#token=\S+)/.exec(server.stdout())?.[1];
      expect(link).toBeDefined();
      const admin = new URLSearchParams(new URL(link!).hash.slice(1)).get('token')!;
      const startsIn = 4_000;
      const created = await api(server.url, '/v1/sales', {
        method: 'POST',
        token: admin,
        body: saleRequestBody(Date.now(), {
          name: 'Browser test sale',
          sku: 'BROWSER-1',
          stock: 600,
          perUserLimit: 2,
          startsAt: new Date(Date.now() + startsIn).toISOString(),
        }),
      });
      expect(created.status).toBe(201);

      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(link!);
      // The token left the address bar at once (kept in sessionStorage for this tab only).
      expect(page.url()).toBe(`${server.url}/dashboard`);
      await eventually(() => page.getByTestId('connection').textContent()).toBe('live');
      const card = sale(page, 'Browser test sale');
      await eventually(() => card.getByTestId('sale-status').textContent()).toBe('upcoming');
      expect(await card.getByTestId('sale-clock').textContent()).toMatch(/^starts in 00:0[0-4]$/);
      expect(await card.getByTestId('units-left').textContent()).toBe('600 / 600 units left');
      // The default rule (5XX over 50 in 60 s) is evaluated and, in a sale without faults, OK.
      expect(await page.getByTestId('alarms').textContent()).toMatch(/OK\s+http-5xx since/);

      // Shopper tokens from the issuer whose key the server keeps in its data dir (as `npx flashsale token` does).
      const issuer = await loadLocalIssuer(dataDir);
      const attempt = async (user: string, key: string) => {
        const token = await issuer.sign({ sub: user, admin: false });
        return (
          (
            await api(server.url, `/v1/sales/${created.json.id}/purchase`, {
              method: 'POST',
              token,
              body: { quantity: 2, idempotencyKey: key },
            })
          ).json?.error?.code ?? 'reserved'
        );
      };
      // Early birds, refused before the start.
      const early = await inParallel(
        8,
        Array.from({ length: 40 }, (_, i) => () => attempt(`early-${i}`, 'early')),
      );
      expect(new Set(early)).toEqual(new Set(['not_started']));
      await eventually(() => card.getByTestId('sale-status').textContent()).toBe('live');
      // The crowd: 450 shoppers, two units each, in waves so the page sees the stock drain.
      const shoppers = Array.from({ length: 450 }, (_, i) => `shopper-${i}`);
      const statuses: string[] = [];
      for (let wave = 0; wave < 5; wave++) {
        const answers = await inParallel(
          16,
          shoppers.slice(wave * 90, (wave + 1) * 90).map((user) => () => attempt(user, `k-${user}`)),
        );
        statuses.push(...answers);
        await new Promise((resolve) => setTimeout(resolve, 1_200));
      }
      expect(statuses.filter((s) => s === 'reserved')).toHaveLength(300);
      expect(statuses.filter((s) => s === 'sold_out')).toHaveLength(150);

      await eventually(() => card.getByTestId('units-left').textContent()).toBe('0 / 600 units left');
      await eventually(() => card.getByTestId('sale-status').textContent()).toBe('sold out');
      await eventually(() => card.locator('[data-status="confirmed"]').textContent()).toBe('300');
      const latency = await page.getByTestId('latency').textContent();
      expect(latency).toMatch(/p50/);
      expect(latency).not.toContain('—');
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(errors).toEqual([]);
      await page.close();
    });
  });

  it('creates a sale and redrives a dead letter from the page, with the admin token', async () => {
    const server = await startTestServer({ flags: ['--worker-max-attempts', '1'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`${server.url}/dashboard`);
      // Without a token the page asks for one; a shopper's is refused by the stream with 403.
      await page.locator('#token-input').fill(await server.token('sam'));
      await page.locator('#login-form button').click();
      await eventually(() => page.locator('#login-error').textContent()).toBe(
        'That token is not an admin token.',
      );
      await page.locator('#token-input').fill(await server.adminToken());
      await page.locator('#login-form button').click();
      await eventually(() => page.getByTestId('connection').textContent()).toBe('live');

      const form = page.locator('#create-sale');
      await form.locator('input[name="name"]').fill('Made on the page');
      await form.locator('input[name="stock"]').fill('42');
      await form.locator('input[name="startsIn"]').fill('0');
      await form.locator('button[type="submit"]').click();
      await eventually(() => page.locator('#create-result').textContent()).toMatch(
        /^Created sale [0-9a-f-]{36}\.$/,
      );
      const card = sale(page, 'Made on the page');
      await eventually(() => card.getByTestId('units-left').textContent()).toBe('42 / 42 units left');
      const listed = await api(server.url, '/v1/sales');
      expect(listed.json.sales.map((s: { name: string }) => s.name)).toContain('Made on the page');

      // An event the order pipeline cannot read is parked after its one attempt.
      await server.node.backend.queue.publish('reservation.created', '{"not":"a reservation"}', Date.now());
      await eventually(() => page.getByTestId('queue').textContent()).toMatch(/1dead letters/);
      const before = (await api(server.url, '/v1/admin/dead-letters', { token: await server.adminToken() }))
        .json.deadLetters[0];
      await page.getByTestId('redrive-all').click();
      await eventually(() => page.getByTestId('redrive-result').textContent()).toBe('Redrove 1 of 1.');
      // It went through the pipeline again (and, still unreadable, was parked again, later).
      await eventually(async () => {
        const after = await api(server.url, '/v1/admin/dead-letters', { token: await server.adminToken() });
        return after.json.deadLetters[0]?.failedAt > before.failedAt;
      }).toBe(true);
      await page.close();
    } finally {
      await server.close();
    }
  });
});

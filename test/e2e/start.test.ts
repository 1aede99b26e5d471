import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { api } from '../support/http-client.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

const run = promisify(execFile);

describe('starting the embedded shape with no set-up', () => {
  // A directory the server makes itself (mkdtemp's would already be 0700).
  const dataDir = join(mkdtempSync(join(tmpdir(), 'flashsale-start-')), 'data');
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.kill('SIGTERM');
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('creates a live demo sale and prints a token command and a purchase that work as printed', async () => {
    server = await spawnServer(['--data-dir', dataDir]);
    for (let i = 0; i < 100 && !server.stdout().includes('An admin token'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const printed = server.stdout();
    // No shopper token: a JWT starts with the base64url of '{"'. The one token printed is the
    // dashboard link's (development auth only), an admin's for an hour, in the URL fragment.
    const link = /\/dashboard#token=(\S+)/.exec(printed)?.[1];
    expect(link).toBeDefined();
    expect(printed.replace(link!, '')).not.toMatch(/eyJ/);
    const claims = JSON.parse(Buffer.from(link!.split('.')[1]!, 'base64url').toString()) as {
      iat: number;
      exp: number;
    };
    expect(claims.exp - claims.iat).toBe(3600);
    const command = /TOKEN=\$\(npx flashsale (token [^)]+)\)/.exec(printed)?.[1];
    const purchasePath = new RegExp(`${server.url}(/v1/sales/[^/]+/purchase)`).exec(printed)?.[1];
    expect(command).toBeDefined();
    expect(purchasePath).toBeDefined();
    const args = command!.split(' ').map((arg) => arg.replace(/^'(.*)'$/, '$1'));
    const token = (await run(process.execPath, ['bin/flashsale.js', ...args])).stdout.trim();

    const bought = await api(server.url, purchasePath!, {
      method: 'POST',
      token,
      body: { quantity: 1, idempotencyKey: 'first-try' },
    });
    expect(bought.status).toBe(201);
    const sale = await api(server.url, purchasePath!.replace('/purchase', ''));
    expect(sale.json).toMatchObject({ status: 'live', stock: 10_000, available: 9_999 });
    expect((await api(server.url, '/readyz')).status).toBe(200);
    // Nobody else on the machine reads the orders or the signing key.
    const mode = (file: string) => (statSync(join(dataDir, file)).mode & 0o777).toString(8);
    expect({
      dir: mode('.'),
      db: mode('flashsale.db'),
      wal: mode('flashsale.db-wal'),
      key: mode('signing-key.json'),
    }).toEqual({ dir: '700', db: '600', wal: '600', key: '600' });
  });

  it('refuses to start without a token issuer, with development tokens in production, and embedded --role api', async () => {
    // spawnServer passes --auth local; a later --auth jwks takes it back, as `npm start -- --auth jwks` does.
    await expect(spawnServer(['--data-dir', dataDir, '--auth', 'jwks'])).rejects.toThrow(
      /exited with 2[\s\S]*needs a token issuer: set JWKS_URL, JWT_ISSUER and JWT_CLIENT_IDS/,
    );
    await expect(
      spawnServer(['--data-dir', dataDir], 15_000, [], { NODE_ENV: 'production' }),
    ).rejects.toThrow(
      /exited with 2[\s\S]*--auth local is for development and refused under NODE_ENV=production/,
    );
    await expect(spawnServer(['--data-dir', dataDir, '--role', 'api'])).rejects.toThrow(
      /exited with 2[\s\S]*--role all \(the default\)[\s\S]*--backend cluster/,
    );
  });

  it('stops with a message naming the setting when the configuration is wrong', async () => {
    await expect(spawnServer(['--data-dir', dataDir, '--durability', 'sometimes'])).rejects.toThrow(
      /--durability \/ DURABILITY/,
    );
  });
});

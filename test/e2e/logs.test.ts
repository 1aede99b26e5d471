import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import { type ServerProcess, spawnServer } from '../support/server-process.ts';

/** The demo sale the server prints on start, and a shopper token signed with the key in its data dir. */
async function banner(server: ServerProcess, dataDir: string): Promise<{ token: string; saleId: string }> {
  const saleId = /Demo sale (\S+):/.exec(server.stdout())?.[1];
  if (saleId === undefined) throw new Error(`no sale in:\n${server.stdout()}`);
  const token = await (await loadLocalIssuer(dataDir)).sign({ sub: 'alice', admin: false });
  return { token, saleId };
}

function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('the server log', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.kill()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const start = async (...flags: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'flashsale-logs-'));
    dirs.push(dir);
    const server = await spawnServer(['--data-dir', dir, ...flags]);
    servers.push(server);
    await until(() => server.stdout().includes('Demo sale'));
    return { server, dir };
  };

  it('at debug, logs each request with its id and never the bearer token', async () => {
    const { server, dir } = await start('--log-level', 'debug');
    const { token, saleId } = await banner(server, dir);
    const bought = await fetch(`${server.url}/v1/sales/${saleId}/purchase`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-request-id': 'checkout-4711',
      },
      body: JSON.stringify({ quantity: 1, idempotencyKey: 'log-test' }),
    });
    expect(bought.status).toBe(201);
    expect(bought.headers.get('x-request-id')).toBe('checkout-4711');
    // An id that is not sane is replaced by a fresh one.
    const other = await fetch(`${server.url}/v1/sales/${saleId}`, {
      headers: { authorization: `Bearer ${token}`, 'x-request-id': 'no spaces <allowed>' },
    });
    const fresh = other.headers.get('x-request-id');
    expect(fresh).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

    await until(() => logLines(server).filter((l) => l.message === 'request').length >= 2);
    const requests = logLines(server).filter((l) => l.message === 'request');
    expect(requests).toEqual([
      expect.objectContaining({
        level: 'debug',
        requestId: 'checkout-4711',
        route: '/v1/sales/:id/purchase',
        method: 'POST',
        status: 201,
        headers: expect.objectContaining({ authorization: '[redacted]' }),
      }),
      expect.objectContaining({ requestId: fresh, route: '/v1/sales/:id', status: 200 }),
    ]);
    const everything = server.stderr() + server.stdout();
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(token.split('.')[2]!);
  });

  it('at the default level (info), writes nothing per request', async () => {
    const { server, dir } = await start();
    const { saleId } = await banner(server, dir);
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/v1/sales/${saleId}`)).status).toBe(200);
    const lines = logLines(server);
    expect(lines.map((l) => l.message)).toEqual(['listening']);
    expect(lines[0]).toMatchObject({ level: 'info', url: server.url });
  });
});

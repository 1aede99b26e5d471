import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadLocalIssuer } from '../../src/http/auth/local-issuer.ts';
import { saleRequestBody } from '../support/fixtures.ts';
import {
  type FleetProcess,
  listeningSockets,
  spawnFleet,
  startTime,
  stillRunning,
} from '../support/fleet-process.ts';
import { freePort } from '../support/free-port.ts';
import { api, inParallel } from '../support/http-client.ts';

const STOCK = 200;
const SHOPPERS = 300;
const READY = /Flash sale fleet on (http:\/\/\S+):/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Recorded {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: string;
}

function recordedProcesses(dataDir: string): Recorded[] {
  return (JSON.parse(readFileSync(join(dataDir, 'fleet.json'), 'utf8')) as { processes: Recorded[] })
    .processes;
}

describe('npm run fleet: Redis, PostgreSQL, API processes and workers on one machine', () => {
  // Under /tmp and open to others: as root, PostgreSQL runs as the postgres OS user, which must reach it.
  const dataDir = mkdtempSync(join(tmpdir(), 'flashsale-fleet-'));
  chmodSync(dataDir, 0o755);
  const fleets: FleetProcess[] = [];
  const start = (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const fleet = spawnFleet(['--data-dir', dataDir, '--no-demo-sale', ...args], env);
    fleets.push(fleet);
    return fleet;
  };

  afterAll(async () => {
    await Promise.all(fleets.map((fleet) => fleet.stop('SIGTERM')));
    rmSync(dataDir, { recursive: true, force: true });
  });

  let saleId = '';

  it('sells exactly the stock through the shared port of two API processes, one worker confirms every order, SIGTERM leaves nothing behind', async () => {
    const port = await freePort();
    const fleet = start(['--api', '2', '--workers', '1', '--port', String(port), '--fresh']);
    const url = (await fleet.waitFor(READY))[1]!;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(fleet.output()).toMatch(
      /Redis \S+ ready on redis:\/\/127\.0\.0\.1:\d+ \(AOF, appendfsync always\)/,
    );
    expect(fleet.output()).toMatch(
      /PostgreSQL \S+ ready on postgres:\/\/postgres@127\.0\.0\.1:\d+\/flashsale/,
    );
    expect(fleet.output()).toContain(`dashboard   ${url}/dashboard`);
    // Two sockets bound to the one port (SO_REUSEPORT), one per API process.
    expect(listeningSockets(port)).toBe(2);
    const recorded = recordedProcesses(dataDir);
    expect(recorded.map((p) => p.name).sort()).toEqual(['api-1', 'api-2', 'postgres', 'redis', 'worker-1']);

    const issuer = await loadLocalIssuer(dataDir);
    const admin = await issuer.sign({ sub: 'ops', admin: true });
    const created = await api(url, '/v1/sales', {
      method: 'POST',
      token: admin,
      body: saleRequestBody(Date.now(), { sku: 'FLEET', stock: STOCK, perUserLimit: 1 }),
    });
    expect(created.status).toBe(201);
    saleId = created.json.id as string;
    const tokens = await Promise.all(
      Array.from({ length: SHOPPERS }, (_, u) => issuer.sign({ sub: `shopper-${u}`, admin: false })),
    );
    const responses = await inParallel(
      32,
      tokens.map(
        (token, i) => () =>
          api(url, `/v1/sales/${saleId}/purchase`, {
            method: 'POST',
            token,
            body: { quantity: 1, idempotencyKey: `buy-${i}` },
            // A connection of its own for each: the kernel spreads new connections over both processes.
            headers: { connection: 'close' },
          }),
      ),
    );
    const reserved = responses.filter((r) => r.status === 201);
    expect(reserved).toHaveLength(STOCK);
    expect(
      responses.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.json?.error?.code}`),
    ).toEqual(Array(SHOPPERS - STOCK).fill('409 sold_out'));

    let audit = await api(url, `/v1/sales/${saleId}/audit`, { token: admin });
    for (let i = 0; i < 300 && audit.json.ordersPending !== 0; i++) {
      await sleep(100);
      audit = await api(url, `/v1/sales/${saleId}/audit`, { token: admin });
    }
    expect(audit.json).toMatchObject({
      ok: true,
      violations: [],
      initial: STOCK,
      available: 0,
      held: STOCK,
      paid: 0,
      reservations: STOCK,
      ordersPending: 0,
    });
    const statuses = await inParallel(
      16,
      reserved.map(
        (r) => async () => (await api(url, `/v1/orders/${r.json.orderId}`, { token: admin })).json.status,
      ),
    );
    expect(statuses.filter((s) => s !== 'confirmed')).toEqual([]);

    const tree = fleet.descendants();
    // Redis, the postmaster and its helper processes, three Node servers.
    expect(stillRunning(tree).length).toBeGreaterThanOrEqual(5);
    expect(await fleet.stop('SIGTERM')).toBe(0);
    expect(fleet.output()).toMatch(/fleet: stopped\n$/);
    expect(stillRunning(tree)).toEqual([]);
    expect(recorded.filter((p) => startTime(p.pid) === p.startedAt)).toEqual([]);
    expect(listeningSockets(port)).toBe(0);
    expect(existsSync(join(dataDir, 'fleet.json'))).toBe(false);
  });

  it('keeps its data across starts, and the next start stops what a SIGKILLed fleet left running', async () => {
    expect(saleId).not.toBe('');
    const killed = start(['--port', '0']);
    await killed.waitFor(READY);
    expect(killed.output()).not.toContain('initdb');
    const left = recordedProcesses(dataDir);
    expect(await killed.stop('SIGKILL')).toBe(null);
    // Its processes have their own process groups: they outlive it.
    expect(left.filter((p) => startTime(p.pid) === p.startedAt)).toHaveLength(5);

    const next = start(['--port', '0']);
    const url = (await next.waitFor(READY))[1]!;
    for (const p of left) expect(next.output()).toContain(`stopping ${p.name} (pid ${p.pid}), left behind`);
    expect(left.filter((p) => startTime(p.pid) === p.startedAt)).toEqual([]);

    const issuer = await loadLocalIssuer(dataDir);
    const audit = await api(url, `/v1/sales/${saleId}/audit`, {
      token: await issuer.sign({ sub: 'ops', admin: true }),
    });
    expect(audit.json).toMatchObject({
      ok: true,
      initial: STOCK,
      available: 0,
      held: STOCK,
      ordersPending: 0,
    });

    const tree = next.descendants();
    expect(await next.stop('SIGINT')).toBe(0);
    expect(stillRunning(tree)).toEqual([]);
  });

  it('stops what it started when Ctrl-C comes while it is still starting', async () => {
    const fleet = start(['--port', '0', '--fresh']);
    // Redis answers while initdb still runs.
    await fleet.waitFor(/fleet: Redis \S+ ready/);
    expect(await fleet.stop('SIGINT')).toBe(0);
    expect(fleet.output()).toContain('fleet: SIGINT: stopping what was started so far');
    expect(fleet.output()).not.toMatch(READY);
    expect(fleet.output()).toMatch(/fleet: stopped\n$/);
    expect(stillRunning(fleet.descendants())).toEqual([]);
    expect(existsSync(join(dataDir, 'fleet.json'))).toBe(false);
  });

  it('says why when a server cannot start, and stops Redis and PostgreSQL again (exit code 1)', async () => {
    // A setting the servers refuse, passed through the environment as any other.
    const fleet = start(['--port', '0'], { RATE_LIMIT_BURST: '0' });
    expect(await fleet.exited).toBe(1);
    expect(fleet.output()).toMatch(
      /flashsale fleet: (api|worker)-\d exited \(code 2\) before listening; the end of /,
    );
    expect(fleet.output()).toContain('--rate-limit-burst / RATE_LIMIT_BURST: Too small');
    expect(fleet.output()).toContain('redis stopped');
    expect(fleet.output()).toContain('postgres stopped');
    expect(stillRunning(fleet.descendants())).toEqual([]);
    expect(existsSync(join(dataDir, 'fleet.json'))).toBe(false);
  });

  it('refuses bad flags with the usage and exit code 2', async () => {
    const fleet = start(['--api', 'many']);
    expect(await fleet.exited).toBe(2);
    expect(fleet.output()).toContain('--api takes a whole number from 1 to 32, not "many"');
    expect(fleet.output()).toContain('usage:');
  });
});

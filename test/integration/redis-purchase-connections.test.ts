import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purchaseConnections } from '../../src/adapters/redis/purchase-connections.ts';
import { connectRedis } from '../../src/adapters/redis/redis-client.ts';
import { type RedisServer, startRedisServer } from '../support/redis-server.ts';

describe('the connections purchases reach Redis through', () => {
  let server: RedisServer;
  let connections: Redis[];
  let ids: string[];
  let observer: Redis;

  beforeAll(async () => {
    server = await startRedisServer();
    connections = await Promise.all(
      [1, 2, 3].map(() => connectRedis(server.url, () => {}, { autoPipelining: false })),
    );
    ids = await Promise.all(connections.map(async (c) => String(await c.client('ID'))));
    observer = await connectRedis(server.url, () => {});
  });

  afterAll(async () => {
    for (const connection of [...connections, observer]) connection.disconnect();
    await server.destroy();
  });

  async function lastCommandOfEach(): Promise<string[]> {
    const list = String(await observer.client('LIST')).split('\n');
    return ids.map(
      (id) => /\bcmd=(\S+)/.exec(list.find((line) => line.startsWith(`id=${id} `)) ?? '')?.[1] ?? '',
    );
  }

  it('spreads the calls of one turn over every connection, each sent in one write once the turn ends', async () => {
    const runner = purchaseConnections(connections);
    const replies = [1, 2, 3, 4, 5, 6].map((n) => runner.eval(`return ${n}`, 0));
    // Held back until the turn ends: nothing of it has left yet.
    expect(connections.map((c) => c.stream.writableCorked)).toEqual([1, 1, 1]);
    expect(await Promise.all(replies)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(connections.map((c) => c.stream.writableCorked)).toEqual([0, 0, 0]);
    expect(await lastCommandOfEach()).toEqual(['eval', 'eval', 'eval']);
  });

  it('refuses at once while Redis is down and works on every connection once it is back', async () => {
    const runner = purchaseConnections(connections);
    await server.kill();
    const refused = await Promise.allSettled([1, 2, 3].map(() => runner.eval('return 1', 0)));
    expect(refused.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await server.restart();
    await expect
      .poll(() => connections.map((c) => c.status), { timeout: 10_000 })
      .toEqual(['ready', 'ready', 'ready']);
    expect(await Promise.all([7, 8, 9].map((n) => runner.eval(`return ${n}`, 0)))).toEqual([7, 8, 9]);
  });

  it('fails the calls waiting on a Redis that stops answering after 5 s, and recovers', async () => {
    const runner = purchaseConnections(connections);
    await observer.client('PAUSE', 6_500, 'ALL');
    const started = Date.now();
    const stuck = await Promise.allSettled([1, 2, 3].map(() => runner.eval('return 1', 0)));
    const waited = Date.now() - started;
    expect(stuck.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(waited).toBeGreaterThanOrEqual(4_900);
    expect(waited).toBeLessThan(6_500);
    await expect
      .poll(() => runner.eval('return 2', 0).catch(() => 'refused'), { timeout: 10_000, interval: 200 })
      .toBe(2);
  }, 30_000);
});

import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisDurabilityGap } from '../../src/adapters/redis/redis-client.ts';
import { startRedisServer } from '../support/redis-server.ts';

describe('the start-up check of Redis durability', () => {
  it.each([
    ['always', undefined],
    ['everysec', /appendfsync is everysec/],
  ] as const)('with appendfsync %s', async (mode, expected) => {
    const server = await startRedisServer(mode);
    const redis = new Redis(server.url);
    try {
      const gap = await redisDurabilityGap(redis);
      if (expected === undefined) expect(gap).toBeUndefined();
      else expect(gap).toMatch(expected);
      await redis.config('SET', 'appendonly', 'no');
      expect(await redisDurabilityGap(redis)).toMatch(/appendonly is off/);
    } finally {
      redis.disconnect();
      await server.destroy();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Backend } from '../../src/ports/backend.ts';
import { type ClusterBackendOptions, openClusterBackend } from '../../src/shapes/cluster.ts';

/** The shared servers (every developer and CI machine runs them); override with REDIS_URL / DATABASE_URL. */
export const sharedRedisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const sharedDatabaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Keys and a schema no one else uses: other people's tests share the same servers at the same time. */
export interface Namespace {
  readonly redisPrefix: string;
  readonly databaseSchema: string;
}

export function uniqueNamespace(): Namespace {
  const tag = randomBytes(6).toString('hex');
  return { redisPrefix: `flashsale-test:${tag}:`, databaseSchema: `flashsale_test_${tag}` };
}

/**
 * True when both shared servers answer. Tests may skip without them only
 * outside CI: in CI (CI=true) they must run, so this then reports true and
 * the tests fail loudly if the servers are missing.
 */
export async function sharedServicesAvailable(): Promise<boolean> {
  if (process.env.CI === 'true') return true;
  const redis = new Redis(sharedRedisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  const client = new pg.Client({ connectionString: sharedDatabaseUrl, connectionTimeoutMillis: 2_000 });
  try {
    await redis.connect();
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
    await client.end().catch(() => {});
  }
}

/** Deletes every key under the namespace's prefix and drops its schema: only what this test made. */
export async function dropNamespace(
  namespace: Namespace,
  urls: { redisUrl?: string; databaseUrl?: string } = {},
): Promise<void> {
  const redis = new Redis(urls.redisUrl ?? sharedRedisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace.redisPrefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  const client = new pg.Client({ connectionString: urls.databaseUrl ?? sharedDatabaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${namespace.databaseSchema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A cluster backend on the shared servers in a fresh namespace, dropped again when the backend closes. */
export async function openTestClusterBackend(
  overrides: Partial<ClusterBackendOptions> = {},
): Promise<Backend> {
  const fresh = uniqueNamespace();
  const namespace: Namespace = {
    redisPrefix: overrides.redisPrefix ?? fresh.redisPrefix,
    databaseSchema: overrides.databaseSchema ?? fresh.databaseSchema,
  };
  const backend = await openClusterBackend({
    redisUrl: sharedRedisUrl,
    databaseUrl: sharedDatabaseUrl,
    stockShards: 1,
    workerClaimIdleMs: 30_000,
    ...overrides,
    ...namespace,
  });
  return {
    ...backend,
    close: async () => {
      await backend.close();
      await dropNamespace(namespace);
    },
  };
}

/**
 * The flags of a cluster-shape server process in a test's own namespace:
 * Redis keys under its prefix, tables in its schema, tokens from `dataDir`,
 * no rate limit and no demo sale. `extra` flags come last (a later flag wins).
 */
export function clusterServerFlags(options: {
  readonly role: 'api' | 'worker' | 'all';
  readonly namespace: Namespace;
  readonly dataDir: string;
  readonly redisUrl?: string;
  readonly databaseUrl?: string;
  readonly extra?: readonly string[];
}): string[] {
  return [
    '--backend',
    'cluster',
    '--role',
    options.role,
    '--redis-url',
    options.redisUrl ?? sharedRedisUrl,
    '--database-url',
    options.databaseUrl ?? sharedDatabaseUrl,
    '--redis-prefix',
    options.namespace.redisPrefix,
    '--database-schema',
    options.namespace.databaseSchema,
    '--data-dir',
    options.dataDir,
    '--rate-limit-per-second',
    '0',
    '--demo-sale',
    'false',
    ...(options.extra ?? []),
  ];
}

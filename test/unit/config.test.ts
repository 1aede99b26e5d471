import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AUTO_HTTP_THREADS_MAX,
  autoHttpThreads,
  autoHttpThreadsFor,
  type Config,
  ConfigError,
  loadConfig,
  requireTokenVerifier,
} from '../../src/config.ts';
import { embeddedDatabasePath } from '../../src/shapes/embedded-shape.ts';

function databasePath(config: Config): string {
  if (config.backend.name !== 'embedded') throw new Error(`${config.backend.name} has no database file`);
  return embeddedDatabasePath(config.backend.config, config.dataDir);
}

const PG = 'postgres://app@db:5432/shop';

describe('loadConfig', () => {
  it('works out of the box: port 3000, data in ./data/flashsale.db, fsync on every commit', () => {
    const config = loadConfig([], {});
    expect(config).toMatchObject({
      port: 3000,
      backend: { name: 'embedded', config: { durability: 'full' } },
      dataDir: resolve('data'),
      remoteAuth: undefined,
      rateLimitPerSecond: 20,
      demoSale: true,
    });
    expect(databasePath(config)).toBe(join(resolve('data'), 'flashsale.db'));
  });

  it('takes environment variables, and flags over them', () => {
    expect(loadConfig([], { PORT: '8080', DURABILITY: 'normal' })).toMatchObject({
      port: 8080,
      backend: { config: { durability: 'normal' } },
    });
    expect(loadConfig(['--port', '9090'], { PORT: '8080' }).port).toBe(9090);
    expect(databasePath(loadConfig(['--data-dir', '/tmp/x'], {}))).toBe('/tmp/x/flashsale.db');
    expect(databasePath(loadConfig(['--database', 'x.db'], { DATABASE_PATH: '/tmp/y.db' }))).toBe(
      resolve('x.db'),
    );
  });

  it('runs one HTTP thread per core by default (embedded), at most four; a number or `auto` chooses', () => {
    expect(loadConfig([], {}).httpThreads).toBe(autoHttpThreads());
    // The cluster shape scales with processes: one thread unless asked.
    const cluster = ['--backend', 'cluster', '--database-url', PG];
    expect(loadConfig(cluster, {}).httpThreads).toBe(1);
    expect(loadConfig([...cluster, '--http-threads', '2'], {}).httpThreads).toBe(2);
    expect(autoHttpThreadsFor('embedded', 2)).toBe(2);
    expect(autoHttpThreadsFor('cluster', 8)).toBe(1);
    expect(autoHttpThreads()).toBe(Math.min(availableParallelism(), AUTO_HTTP_THREADS_MAX));
    expect([1, 2, 3, 4, 16, 0].map((cores) => autoHttpThreads(cores))).toEqual([1, 2, 3, 4, 4, 1]);
    expect(loadConfig(['--http-threads', '3'], {}).httpThreads).toBe(3);
    expect(loadConfig([], { HTTP_THREADS: '1' }).httpThreads).toBe(1);
    expect(loadConfig(['--http-threads', 'auto'], { HTTP_THREADS: '1' }).httpThreads).toBe(autoHttpThreads());
    expect(() => loadConfig(['--http-threads', '0'], {})).toThrow(/--http-threads/);
    expect(() => loadConfig(['--http-threads', 'many'], {})).toThrow(/--http-threads/);
  });

  it('names the setting that is wrong', () => {
    expect(() => loadConfig([], { PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig([], { PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig(['--backend', 'oracle'], {})).toThrow(/--backend \/ BACKEND/);
    expect(() => loadConfig(['--colour', 'red'], {})).toThrow(/--colour.*known flags/s);
  });

  it('wants the three remote token settings together', () => {
    expect(() => loadConfig([], { JWKS_URL: 'https://example.com/jwks.json' })).toThrow(/go together/);
    const config = loadConfig([], {
      JWKS_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json',
      JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/pool',
      JWT_CLIENT_IDS: 'web-client, mobile-client',
    });
    expect(config.remoteAuth?.clientIds).toEqual(['web-client', 'mobile-client']);
    expect(config.localAuth).toBe(false);
    expect(() =>
      loadConfig([], { JWKS_URL: 'https://example.com/jwks.json', JWT_ISSUER: 'x', JWT_CLIENT_IDS: ' , ' }),
    ).toThrow(/names no app client/);
  });

  const cognito = {
    JWKS_URL: 'https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json',
    JWT_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/pool',
    JWT_CLIENT_IDS: 'web-client',
  };

  it('issues local tokens only when asked, never beside a JWKS, never in production', () => {
    expect(loadConfig(['--auth', 'local'], {}).localAuth).toBe(true);
    expect(loadConfig([], { AUTH: 'local' }).localAuth).toBe(true);
    expect(loadConfig([], {}).localAuth).toBe(false);
    expect(() => requireTokenVerifier(loadConfig([], {}))).toThrow(
      /--auth local.*JWKS_URL|JWKS_URL.*--auth local/s,
    );
    expect(() => requireTokenVerifier(loadConfig(['--auth', 'local'], {}))).not.toThrow();
    expect(() => loadConfig(['--auth', 'local'], cognito)).toThrow(/unset JWKS_URL/);
    expect(() => loadConfig(['--auth', 'local'], { NODE_ENV: 'production' })).toThrow(/NODE_ENV=production/);
    expect(() => loadConfig([], { NODE_ENV: 'production' })).toThrow(/needs a token issuer: set JWKS_URL/);
    expect(() => loadConfig(['--auth', 'jwks'], {})).toThrow(/needs a token issuer/);
    expect(loadConfig([], { ...cognito, NODE_ENV: 'production' }).remoteAuth?.issuer).toBe(
      cognito.JWT_ISSUER,
    );
  });

  it('refuses the embedded store with --role api, saying what to use instead', () => {
    expect(() => loadConfig(['--role', 'api'], {})).toThrow(/--role all.*--backend cluster/s);
    expect(
      loadConfig(['--role', 'api', '--backend', 'cluster'], {
        REDIS_URL: 'redis://r',
        DATABASE_URL: 'postgres://p/db',
      }).role,
    ).toBe('api');
  });

  it('reads where /metrics is served and the token it asks for', () => {
    expect(loadConfig([], {})).toMatchObject({ metricsPort: undefined, metricsToken: undefined });
    expect(loadConfig(['--metrics-port', '9464'], { METRICS_TOKEN: 'a-long-enough-secret' })).toMatchObject({
      metricsPort: 9464,
      metricsToken: 'a-long-enough-secret',
    });
    expect(() => loadConfig([], { METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });

  it('selects the cluster shape with its servers, shards and role', () => {
    const config = loadConfig(['--backend', 'cluster', '--role', 'worker', '--stock-shards', '8'], {
      REDIS_URL: 'redis://cache:6380',
      DATABASE_URL: 'postgres://app@db:5432/shop',
    });
    expect(config).toMatchObject({
      backend: {
        name: 'cluster',
        config: {
          redisUrl: 'redis://cache:6380',
          databaseUrl: 'postgres://app@db:5432/shop',
          databaseSchema: 'flashsale',
          stockShards: 8,
          workerClaimIdleMs: 30_000,
        },
      },
      role: 'worker',
    });
    expect(loadConfig([], {}).role).toBe('all');
  });

  it('checks the cluster settings only for the cluster shape', () => {
    expect(loadConfig([], { DATABASE_URL: 'mysql://elsewhere' }).backend.name).toBe('embedded');
    expect(() => loadConfig(['--backend', 'cluster'], { DATABASE_URL: 'mysql://x' })).toThrow(
      /--database-url \/ DATABASE_URL/,
    );
    expect(() =>
      loadConfig(['--backend', 'cluster', '--redis-url', 'localhost'], { DATABASE_URL: PG }),
    ).toThrow(/REDIS_URL/);
    expect(() => loadConfig(['--stock-shards', '65'], {})).toThrow(/STOCK_SHARDS/);
    expect(() => loadConfig(['--database-schema', 'Robert"); DROP'], {})).toThrow(/DATABASE_SCHEMA/);
    expect(() => loadConfig(['--role', 'boss'], {})).toThrow(/--role \/ ROLE/);
  });

  it('names the backends the Node server runs when given another', () => {
    expect(() => loadConfig(['--backend', 'oracle'], {})).toThrow(
      'invalid configuration:\n  --backend / BACKEND: unknown backend "oracle"; the Node server runs: embedded, cluster',
    );
    expect(() => loadConfig([], { BACKEND: 'aws' })).toThrow(
      /--backend \/ BACKEND: aws runs as AWS Lambda functions .*; the Node server runs: embedded, cluster/,
    );
  });

  it("knows every shape's flags, whichever shape is chosen", () => {
    expect(loadConfig(['--redis-url', 'redis://cache:6380'], {}).backend.name).toBe('embedded');
    expect(
      loadConfig(['--backend', 'cluster', '--durability', 'normal'], { DATABASE_URL: PG }).backend.name,
    ).toBe('cluster');
    expect(() =>
      loadConfig(['--backend', 'cluster', '--durability', 'sometimes'], { DATABASE_URL: PG }),
    ).toThrow(/--durability \/ DURABILITY/);
  });

  it('refuses the cluster shape without DATABASE_URL, and says how to set it', () => {
    const attempt = () => loadConfig(['--backend', 'cluster'], {});
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      '--database-url / DATABASE_URL: required for the cluster shape, which keeps its orders in PostgreSQL: ' +
        'set DATABASE_URL (or --database-url) to the database it may use, e.g. postgres://app@db.internal:5432/shop',
    );
    expect(loadConfig(['--backend', 'cluster', '--database-url', PG], {}).backend).toMatchObject({
      config: { databaseUrl: PG },
    });
    // The other shapes do not need it.
    expect(loadConfig([], {}).backend.name).toBe('embedded');
  });

  it('makes a demo sale by default on the embedded shape only; the flag wins on either', () => {
    expect(loadConfig([], {}).demoSale).toBe(true);
    expect(loadConfig(['--backend', 'cluster'], { DATABASE_URL: PG }).demoSale).toBe(false);
    expect(loadConfig(['--demo-sale', 'false'], {}).demoSale).toBe(false);
    expect(loadConfig(['--backend', 'cluster'], { DATABASE_URL: PG, DEMO_SALE: 'true' }).demoSale).toBe(true);
  });

  it('reads the rate limits, trusted proxies and purchase-token secret, and names a wrong one', () => {
    expect(loadConfig([], {})).toMatchObject({
      rateLimitIpPerSecond: 0,
      trustedProxies: [],
      purchaseTokenSecret: undefined,
    });
    expect(
      loadConfig(['--rate-limit-ip-per-second', '50'], {
        TRUSTED_PROXIES: '10.0.0.0/8, 192.0.2.7 ,fd00::/8',
      }),
    ).toMatchObject({ rateLimitIpPerSecond: 50, trustedProxies: ['10.0.0.0/8', '192.0.2.7', 'fd00::/8'] });
    expect(() => loadConfig([], { TRUSTED_PROXIES: '10.0.0.0/40' })).toThrow(
      /--trusted-proxies \/ TRUSTED_PROXIES/,
    );
    expect(() => loadConfig([], { PURCHASE_TOKEN_SECRET: 'short' })).toThrow(
      /PURCHASE_TOKEN_SECRET: at least 32/,
    );
  });
});

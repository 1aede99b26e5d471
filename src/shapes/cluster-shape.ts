import { z } from 'zod';
import { MAX_STOCK_SHARDS } from '../domain/stock-shards.ts';
import type { BackendShape } from './shape.ts';

const DATABASE_URL_REQUIRED =
  'required for the cluster shape, which keeps its orders in PostgreSQL: set DATABASE_URL (or --database-url) ' +
  'to the database it may use, e.g. postgres://app@db.internal:5432/shop';

const configSchema = z
  .object({
    redisUrl: z.string().default('redis://127.0.0.1:6379'),
    /** Every Redis key of this deployment starts with it. */
    redisPrefix: z.string().min(1).default('flashsale:'),
    /** No default: a cluster server must never write orders into whatever PostgreSQL it happens to find. */
    databaseUrl: z.string().optional(),
    /** PostgreSQL schema of the order tables (created and migrated at start). */
    databaseSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
      .default('flashsale'),
    /** Counters a new sale's stock is split over. */
    stockShards: z.coerce.number().int().min(1).max(MAX_STOCK_SHARDS).default(1),
    /** How long a delivered, unacked order event waits before another worker takes it over. */
    workerClaimIdleMs: z.coerce.number().int().min(100).default(30_000),
  })
  // Checked as URLs only when this shape is chosen: other shapes ignore them, even if set for something else.
  .superRefine((config, context) => {
    const urls = [
      ['redisUrl', z.url({ protocol: /^rediss?$/ })],
      ['databaseUrl', z.url({ protocol: /^postgres(ql)?$/ })],
    ] as const;
    if (config.databaseUrl === undefined) {
      context.addIssue({ code: 'custom', path: ['databaseUrl'], message: DATABASE_URL_REQUIRED });
    }
    for (const [key, check] of urls) {
      if (config[key] !== undefined && !check.safeParse(config[key]).success) {
        context.addIssue({ code: 'custom', path: [key], message: 'not a valid URL' });
      }
    }
  });

/** Where the cluster shape keeps its state. */
export type ClusterConfig = Readonly<z.output<typeof configSchema>>;

/**
 * The cluster shape: stock, reservations, idempotency keys and the order
 * stream in Redis; orders, payments and releases in PostgreSQL.
 */
export const clusterShape: BackendShape<typeof configSchema, 'cluster'> = {
  name: 'cluster',
  configSchema,
  // Its database is shared with other processes and maybe other people: write a sale only when asked to.
  demoSaleByDefault: false,
  env: {
    redisUrl: 'REDIS_URL',
    redisPrefix: 'REDIS_PREFIX',
    databaseUrl: 'DATABASE_URL',
    databaseSchema: 'DATABASE_SCHEMA',
    stockShards: 'STOCK_SHARDS',
    workerClaimIdleMs: 'WORKER_CLAIM_IDLE_MS',
  },
  describe(config) {
    const redis = new URL(config.redisUrl);
    const postgres = new URL(databaseUrlOf(config));
    return `cluster store: Redis ${redis.host} (keys ${config.redisPrefix}*), PostgreSQL ${postgres.host}${postgres.pathname} (schema ${config.databaseSchema})`;
  },
  async open(config, { logger }) {
    const { openClusterBackend } = await import('./cluster.ts');
    return openClusterBackend({
      ...config,
      databaseUrl: databaseUrlOf(config),
      onConnectionError: (error) => logger.log('warn', 'store connection trouble', { error }),
      onDurabilityGap: (gap) =>
        logger.log('warn', 'Redis does not fsync every write: acknowledged reservations are at risk', {
          gap,
        }),
    });
  },
};

/** The schema's check made it present; this says so to the type checker. */
function databaseUrlOf(config: z.output<typeof configSchema>): string {
  if (config.databaseUrl === undefined) throw new Error(`DATABASE_URL: ${DATABASE_URL_REQUIRED}`);
  return config.databaseUrl;
}

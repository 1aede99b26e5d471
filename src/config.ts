import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MAX_STOCK_SHARDS } from './domain/stock-shards.ts';

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().default('0.0.0.0'),
  backend: z.enum(['embedded', 'cluster']).default('embedded'),
  role: z.enum(['all', 'api', 'worker']).default('all'),
  dataDir: z.string().default('./data'),
  database: z.string().optional(),
  durability: z.enum(['full', 'normal']).default('full'),
  jwksUrl: z.url().optional(),
  jwtIssuer: z.string().optional(),
  jwtAudience: z.string().optional(),
  rateLimitPerSecond: z.coerce.number().min(0).default(20),
  rateLimitBurst: z.coerce.number().int().min(1).default(40),
  workerMaxAttempts: z.coerce.number().int().min(1).max(100).default(5),
  demoSale: z.enum(['true', 'false']).default('true'),
  // Checked as URLs only for the cluster shape: other shapes ignore them, even if set for something else.
  redisUrl: z.string().default('redis://127.0.0.1:6379'),
  redisPrefix: z.string().min(1).default('flashsale:'),
  databaseUrl: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
  databaseSchema: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier')
    .default('flashsale'),
  stockShards: z.coerce.number().int().min(1).max(MAX_STOCK_SHARDS).default(1),
  workerClaimIdleMs: z.coerce.number().int().min(100).default(30_000),
  httpThreads: z.coerce.number().int().min(1).max(64).default(1),
});

/** Where the cluster shape keeps its state; read only when `backend` is `cluster`. */
export interface ClusterConfig {
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly databaseUrl: string;
  readonly databaseSchema: string;
  readonly stockShards: number;
  /** A delivered order event not acked for this long is taken over by another worker. */
  readonly claimIdleMs: number;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly backend: 'embedded' | 'cluster';
  /** all: HTTP API and order worker; api: no worker; worker: the worker (its HTTP port is for health and metrics). */
  readonly role: 'all' | 'api' | 'worker';
  readonly cluster: ClusterConfig;
  readonly dataDir: string;
  readonly databasePath: string;
  readonly durability: 'full' | 'normal';
  /** Absent: this server is its own token issuer (a key in dataDir). */
  readonly remoteAuth:
    | { readonly jwksUrl: URL; readonly issuer: string; readonly audience: string }
    | undefined;
  /** Purchase attempts a second per shopper; 0 turns the limit off. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  readonly workerMaxAttempts: number;
  readonly demoSale: boolean;
  /** Threads accepting HTTP on the one port (SO_REUSEPORT); the store stays with the first. */
  readonly httpThreads: number;
}

const ENV: Record<keyof z.input<typeof schema>, string> = {
  port: 'PORT',
  host: 'HOST',
  backend: 'BACKEND',
  role: 'ROLE',
  dataDir: 'DATA_DIR',
  database: 'DATABASE_PATH',
  durability: 'DURABILITY',
  jwksUrl: 'JWKS_URL',
  jwtIssuer: 'JWT_ISSUER',
  jwtAudience: 'JWT_AUDIENCE',
  rateLimitPerSecond: 'RATE_LIMIT_PER_SECOND',
  rateLimitBurst: 'RATE_LIMIT_BURST',
  workerMaxAttempts: 'WORKER_MAX_ATTEMPTS',
  demoSale: 'DEMO_SALE',
  redisUrl: 'REDIS_URL',
  redisPrefix: 'REDIS_PREFIX',
  databaseUrl: 'DATABASE_URL',
  databaseSchema: 'DATABASE_SCHEMA',
  stockShards: 'STOCK_SHARDS',
  workerClaimIdleMs: 'WORKER_CLAIM_IDLE_MS',
  httpThreads: 'HTTP_THREADS',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the configuration once, at start-up: flags (`--port 8080`,
 * `--data-dir`, ...) win over environment variables (PORT, DATA_DIR, ...),
 * which win over defaults. Anything invalid stops the start with a message
 * naming the setting.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries(
    Object.keys(ENV).map((key) => [kebab(key), { type: 'string' as const }]),
  );
  let flags: Record<string, string | boolean | undefined>;
  try {
    flags = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new ConfigError(
      `${(error as Error).message}; known flags: ${Object.keys(options)
        .map((f) => `--${f}`)
        .join(' ')}`,
    );
  }
  const raw: Record<string, unknown> = {};
  for (const [key, envName] of Object.entries(ENV)) {
    const value = flags[kebab(key)] ?? env[envName];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as keyof typeof ENV;
      return `--${kebab(key)} / ${ENV[key]}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const c = parsed.data;
  const remote = [c.jwksUrl, c.jwtIssuer, c.jwtAudience];
  if (remote.some((v) => v !== undefined) && remote.some((v) => v === undefined)) {
    throw new ConfigError('invalid configuration: JWKS_URL, JWT_ISSUER and JWT_AUDIENCE go together');
  }
  if (c.backend === 'cluster') {
    const urls = [
      ['redisUrl', c.redisUrl, z.url({ protocol: /^rediss?$/ })],
      ['databaseUrl', c.databaseUrl, z.url({ protocol: /^postgres(ql)?$/ })],
    ] as const;
    for (const [key, value, check] of urls) {
      if (!check.safeParse(value).success) {
        throw new ConfigError(`invalid configuration:\n  --${kebab(key)} / ${ENV[key]}: not a valid URL`);
      }
    }
  }
  const dataDir = resolve(c.dataDir);
  return {
    port: c.port,
    host: c.host,
    backend: c.backend,
    role: c.role,
    cluster: {
      redisUrl: c.redisUrl,
      redisPrefix: c.redisPrefix,
      databaseUrl: c.databaseUrl,
      databaseSchema: c.databaseSchema,
      stockShards: c.stockShards,
      claimIdleMs: c.workerClaimIdleMs,
    },
    dataDir,
    databasePath: c.database === undefined ? join(dataDir, 'flashsale.db') : resolve(c.database),
    durability: c.durability,
    remoteAuth:
      c.jwksUrl === undefined
        ? undefined
        : { jwksUrl: new URL(c.jwksUrl), issuer: c.jwtIssuer!, audience: c.jwtAudience! },
    rateLimitPerSecond: c.rateLimitPerSecond,
    rateLimitBurst: c.rateLimitBurst,
    workerMaxAttempts: c.workerMaxAttempts,
    demoSale: c.demoSale === 'true',
    httpThreads: c.httpThreads,
  };
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

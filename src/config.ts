import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().default('0.0.0.0'),
  backend: z.enum(['embedded']).default('embedded'),
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
  httpThreads: z.coerce.number().int().min(1).max(64).default(1),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly backend: 'embedded';
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
  const dataDir = resolve(c.dataDir);
  return {
    port: c.port,
    host: c.host,
    backend: c.backend,
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

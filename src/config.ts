import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { TrustedProxies } from './http/client-address.ts';
import {
  type AlarmRule,
  alarmRulesSchema,
  DEFAULT_ALARM_RULES,
  settleAlarmRules,
} from './observability/alarm-rules.ts';
import { LOG_LEVELS, type LogThreshold } from './observability/log-records.ts';
import {
  type BackendChoice,
  checkEveryShapeSetting,
  chooseShape,
  demoSaleByDefault,
  notAShape,
  SHAPE_NAMES,
  shapeSettings,
} from './shapes/registry.ts';

const schema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().default('0.0.0.0'),
  backend: z.enum(SHAPE_NAMES, { error: (issue) => notAShape(String(issue.input)) }).default('embedded'),
  role: z.enum(['all', 'api', 'worker']).default('all'),
  dataDir: z.string().default('./data'),
  jwksUrl: z.url().optional(),
  jwtIssuer: z.string().optional(),
  jwtClientIds: z.string().optional(),
  auth: z.enum(['local', 'jwks']).optional(),
  metricsPort: z.coerce.number().int().min(0).max(65535).optional(),
  metricsToken: z.string().min(16, 'use at least 16 characters').optional(),
  rateLimitPerSecond: z.coerce.number().min(0).default(20),
  rateLimitBurst: z.coerce.number().int().min(1).default(40),
  rateLimitIpPerSecond: z.coerce.number().min(0).default(0),
  trustedProxies: z
    .string()
    .default('')
    .transform((text, context) => {
      const entries = text
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
      try {
        new TrustedProxies(entries);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
      return entries;
    }),
  purchaseTokenSecret: z.string().min(32, 'at least 32 characters').optional(),
  workerMaxAttempts: z.coerce.number().int().min(1).max(100).default(5),
  demoSale: z.enum(['true', 'false']).optional(),
  httpThreads: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default('auto'),
  reusePort: z.enum(['true', 'false']).default('false'),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  shutdownTimeoutMs: z.coerce.number().int().min(0).max(600_000).default(10_000),
  alarms: z.string().optional(),
  alarmWebhookUrl: z.url({ protocol: /^https?$/ }).optional(),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  /** The storage shape and its own settings (src/shapes/registry.ts). */
  readonly backend: BackendChoice;
  /** all: HTTP API and order worker; api: no worker; worker: the worker (its HTTP port is for health and metrics). */
  readonly role: 'all' | 'api' | 'worker';
  readonly dataDir: string;
  /** Tokens verified against a remote JWKS (a Cognito user pool): its access tokens for these app clients. */
  readonly remoteAuth:
    | { readonly jwksUrl: URL; readonly issuer: string; readonly clientIds: readonly string[] }
    | undefined;
  /** `--auth local`: this server is its own token issuer (a key in dataDir), for development only. */
  readonly localAuth: boolean;
  /** Serve /metrics on this port alone (not on the API's); absent: on the API's port. */
  readonly metricsPort: number | undefined;
  /** When set, /metrics asks for `Authorization: Bearer <this>`. */
  readonly metricsToken: string | undefined;
  /** Purchase attempts a second per shopper; 0 turns the limit off. */
  readonly rateLimitPerSecond: number;
  readonly rateLimitBurst: number;
  /** Purchase attempts a second per client address (burst: twice that); 0 (the default) turns it off. */
  readonly rateLimitIpPerSecond: number;
  /** Proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client. */
  readonly trustedProxies: readonly string[];
  /** Signs purchase tokens (`purchaseToken` sales); absent: a key generated into the data dir. */
  readonly purchaseTokenSecret: string | undefined;
  readonly workerMaxAttempts: number;
  /** Default per shape: yes for embedded (a file of its own), no for cluster (a shared database). */
  readonly demoSale: boolean;
  /**
   * Threads accepting HTTP on the one port (SO_REUSEPORT); the store stays
   * with the first. `auto` (the default): see autoHttpThreadsFor.
   */
  readonly httpThreads: number;
  /** Bind the port with SO_REUSEPORT, so that several API processes share it (the fleet does). */
  readonly reusePort: boolean;
  readonly logLevel: LogThreshold;
  /** How long a SIGTERM waits for requests in flight before closing their connections. */
  readonly shutdownTimeoutMs: number;
  /** Evaluated in-process (observability/alarms.ts); the default is the 5XX rule. */
  readonly alarms: readonly AlarmRule[];
  readonly alarmWebhookUrl: string | undefined;
}

const COMMON_ENV: Record<keyof z.input<typeof schema>, string> = {
  port: 'PORT',
  host: 'HOST',
  backend: 'BACKEND',
  role: 'ROLE',
  dataDir: 'DATA_DIR',
  jwksUrl: 'JWKS_URL',
  jwtIssuer: 'JWT_ISSUER',
  jwtClientIds: 'JWT_CLIENT_IDS',
  auth: 'AUTH',
  metricsPort: 'METRICS_PORT',
  metricsToken: 'METRICS_TOKEN',
  rateLimitPerSecond: 'RATE_LIMIT_PER_SECOND',
  rateLimitBurst: 'RATE_LIMIT_BURST',
  rateLimitIpPerSecond: 'RATE_LIMIT_IP_PER_SECOND',
  trustedProxies: 'TRUSTED_PROXIES',
  purchaseTokenSecret: 'PURCHASE_TOKEN_SECRET',
  workerMaxAttempts: 'WORKER_MAX_ATTEMPTS',
  demoSale: 'DEMO_SALE',
  httpThreads: 'HTTP_THREADS',
  reusePort: 'REUSE_PORT',
  logLevel: 'LOG_LEVEL',
  shutdownTimeoutMs: 'SHUTDOWN_TIMEOUT_MS',
  alarms: 'ALARMS',
  alarmWebhookUrl: 'ALARM_WEBHOOK_URL',
};

/** The environment variable of every setting, the server's own and each shape's (a flag is named for its key). */
const ENV: ReadonlyMap<string, string> = settingNames();

function settingNames(): Map<string, string> {
  const names = new Map(Object.entries(COMMON_ENV));
  for (const [key, envName] of shapeSettings()) {
    const taken = names.get(key);
    if (taken !== undefined && taken !== envName)
      throw new Error(`--${kebab(key)} is read from ${taken} and ${envName}`);
    names.set(key, envName);
  }
  return names;
}

/** Every setting's environment variable, the server's own and every shape's. */
export function settingEnvironmentVariables(): ReadonlySet<string> {
  return new Set(ENV.values());
}

/** Every setting as `--flag  ENV_NAME`, one a line: the server's --help. */
export function settingsHelp(): string {
  const lines = [...ENV].map(([key, envName]) => `  --${kebab(key)} <value>`.padEnd(34) + envName);
  return lines.join('\n');
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads the configuration once, at start-up: flags (`--port 8080`,
 * `--data-dir`, ...) win over environment variables (PORT, DATA_DIR, ...),
 * which win over defaults. Anything invalid stops the start with a message
 * naming the setting. The settings of the storage shapes come from their
 * modules (src/shapes/), and are read the same way.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries([...ENV.keys()].map((key) => [kebab(key), { type: 'string' as const }]));
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
  for (const [key, envName] of ENV) {
    const value = flags[kebab(key)] ?? env[envName];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  const wrong = [...(parsed.error?.issues ?? []), ...checkEveryShapeSetting(raw)];
  if (!parsed.success || wrong.length > 0) throw invalid(wrong);
  const c = parsed.data;
  const remote = [c.jwksUrl, c.jwtIssuer, c.jwtClientIds];
  if (remote.some((v) => v !== undefined) && remote.some((v) => v === undefined)) {
    throw new ConfigError('invalid configuration: JWKS_URL, JWT_ISSUER and JWT_CLIENT_IDS go together');
  }
  const clientIds = (c.jwtClientIds ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (c.jwtClientIds !== undefined && clientIds.length === 0) {
    throw new ConfigError('invalid configuration: JWT_CLIENT_IDS names no app client (comma-separated ids)');
  }
  checkAuthChoice(c.auth, c.jwksUrl !== undefined, env.NODE_ENV === 'production');
  const chosen = chooseShape(c.backend, raw);
  if ('error' in chosen) throw invalid(chosen.error.issues);
  if (chosen.choice.name === 'embedded' && c.role === 'api') {
    throw new ConfigError(
      'invalid configuration: --role api / ROLE=api needs a shared store: the embedded store belongs to one ' +
        'process, and no other could confirm or expire its orders. Use --role all (the default) with the ' +
        'embedded store, or --backend cluster for separate API and worker processes.',
    );
  }
  const alarms = parseAlarms(c.alarms, c.alarmWebhookUrl);
  return {
    port: c.port,
    host: c.host,
    backend: chosen.choice,
    role: c.role,
    dataDir: resolve(c.dataDir),
    remoteAuth:
      c.jwksUrl === undefined ? undefined : { jwksUrl: new URL(c.jwksUrl), issuer: c.jwtIssuer!, clientIds },
    localAuth: c.auth === 'local',
    metricsPort: c.metricsPort,
    metricsToken: c.metricsToken,
    rateLimitPerSecond: c.rateLimitPerSecond,
    rateLimitBurst: c.rateLimitBurst,
    rateLimitIpPerSecond: c.rateLimitIpPerSecond,
    trustedProxies: c.trustedProxies,
    purchaseTokenSecret: c.purchaseTokenSecret,
    workerMaxAttempts: c.workerMaxAttempts,
    demoSale: c.demoSale === undefined ? demoSaleByDefault(c.backend) : c.demoSale === 'true',
    httpThreads: c.httpThreads === 'auto' ? autoHttpThreadsFor(c.backend) : c.httpThreads,
    reusePort: c.reusePort === 'true',
    logLevel: c.logLevel,
    shutdownTimeoutMs: c.shutdownTimeoutMs,
    alarms,
    alarmWebhookUrl: c.alarmWebhookUrl,
  };
}

/**
 * The store has one writer thread whichever the count: past a few HTTP
 * threads, each with its own caches and messages to it, more only cost
 * memory. Measured on 2 cores only (docs/performance.md, "Threads").
 */
export const AUTO_HTTP_THREADS_MAX = 4;

/** The cores this process may use, up to AUTO_HTTP_THREADS_MAX. */
export function autoHttpThreads(cores = availableParallelism()): number {
  return Math.max(1, Math.min(cores, AUTO_HTTP_THREADS_MAX));
}

/**
 * `--http-threads auto`: one per core (autoHttpThreads) for the embedded
 * shape, one for the cluster shape. A cluster server's store is Redis and
 * PostgreSQL, reached from the main thread: extra threads add a hop to every
 * purchase, and at a sell-out each thread's sold-out board read the sale's
 * holdings through it; in the stampede, two threads stalled the first 6 s of
 * the sold-out phase (docs/performance.md). Scale a cluster with processes.
 */
export function autoHttpThreadsFor(backend: string, cores = availableParallelism()): number {
  return backend === 'embedded' ? autoHttpThreads(cores) : 1;
}

/**
 * Local token issuing is for development: on only when asked (`--auth local`),
 * never beside a JWKS, never under NODE_ENV=production, where a JWKS is due.
 * Neither asked nor configured is refused when the server starts (see
 * `requireTokenVerifier`), so other commands can still read the config.
 */
function checkAuthChoice(auth: 'local' | 'jwks' | undefined, jwks: boolean, production: boolean): void {
  if (auth === 'local' && jwks) {
    throw new ConfigError(
      'invalid configuration: --auth local issues its own tokens beside JWKS_URL: unset JWKS_URL, ' +
        'or pass --auth jwks (npm start passes --auth local; `npm start -- --auth jwks` overrides it)',
    );
  }
  if (auth === 'local' && production) {
    throw new ConfigError(
      'invalid configuration: --auth local is for development and refused under NODE_ENV=production: ' +
        'set JWKS_URL, JWT_ISSUER and JWT_CLIENT_IDS (your Cognito user pool and app clients) and pass ' +
        '--auth jwks (npm start passes --auth local; `npm start -- --auth jwks` overrides it)',
    );
  }
  if ((auth === 'jwks' || production) && !jwks) {
    throw new ConfigError(
      `invalid configuration: ${production ? 'NODE_ENV=production' : '--auth jwks'} needs a token issuer: ` +
        'set JWKS_URL, JWT_ISSUER and JWT_CLIENT_IDS (your Cognito user pool and app clients)',
    );
  }
}

/** The server verifies tokens one way or the other; starting without either is refused, saying how to choose. */
export function requireTokenVerifier(config: Pick<Config, 'remoteAuth' | 'localAuth'>): void {
  if (config.remoteAuth !== undefined || config.localAuth) return;
  throw new ConfigError(
    'no token verifier: set JWKS_URL, JWT_ISSUER and JWT_CLIENT_IDS (a Cognito user pool), ' +
      'or pass --auth local (AUTH=local) to issue development tokens from a key in the data directory',
  );
}

/** ALARMS is a JSON array of rules (see README); unset, the default 5XX rule; `[]` turns alarms off. */
function parseAlarms(json: string | undefined, webhookUrl: string | undefined): AlarmRule[] {
  let raw: unknown = DEFAULT_ALARM_RULES;
  if (json !== undefined) {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new ConfigError(
        'invalid configuration:\n  --alarms / ALARMS: not valid JSON (a JSON array of rules)',
      );
    }
  }
  const parsed = alarmRulesSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'rules'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  --alarms / ALARMS: ${problems.join('; ')}`);
  }
  const settled = settleAlarmRules(parsed.data, webhookUrl);
  if ('error' in settled) throw new ConfigError(`invalid configuration:\n  ${settled.error}`);
  return settled;
}

function invalid(issues: readonly z.core.$ZodIssue[]): ConfigError {
  const problems = new Set(
    issues.map((issue) => {
      const key = String(issue.path[0]);
      return `--${kebab(key)} / ${ENV.get(key)}: ${issue.message}`;
    }),
  );
  return new ConfigError(`invalid configuration:\n  ${[...problems].join('\n  ')}`);
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

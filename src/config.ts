import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  type AlarmRule,
  alarmRulesSchema,
  DEFAULT_ALARM_RULES,
  settleAlarmRules,
} from './observability/alarm-rules.ts';
import { LOG_LEVELS, type LogThreshold } from './observability/logger.ts';
import {
  type BackendChoice,
  checkEveryShapeSetting,
  chooseShape,
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
  jwtAudience: z.string().optional(),
  rateLimitPerSecond: z.coerce.number().min(0).default(20),
  rateLimitBurst: z.coerce.number().int().min(1).default(40),
  workerMaxAttempts: z.coerce.number().int().min(1).max(100).default(5),
  demoSale: z.enum(['true', 'false']).default('true'),
  httpThreads: z.coerce.number().int().min(1).max(64).default(1),
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
  jwtAudience: 'JWT_AUDIENCE',
  rateLimitPerSecond: 'RATE_LIMIT_PER_SECOND',
  rateLimitBurst: 'RATE_LIMIT_BURST',
  workerMaxAttempts: 'WORKER_MAX_ATTEMPTS',
  demoSale: 'DEMO_SALE',
  httpThreads: 'HTTP_THREADS',
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
  const remote = [c.jwksUrl, c.jwtIssuer, c.jwtAudience];
  if (remote.some((v) => v !== undefined) && remote.some((v) => v === undefined)) {
    throw new ConfigError('invalid configuration: JWKS_URL, JWT_ISSUER and JWT_AUDIENCE go together');
  }
  const chosen = chooseShape(c.backend, raw);
  if ('error' in chosen) throw invalid(chosen.error.issues);
  const alarms = parseAlarms(c.alarms, c.alarmWebhookUrl);
  return {
    port: c.port,
    host: c.host,
    backend: chosen.choice,
    role: c.role,
    dataDir: resolve(c.dataDir),
    remoteAuth:
      c.jwksUrl === undefined
        ? undefined
        : { jwksUrl: new URL(c.jwksUrl), issuer: c.jwtIssuer!, audience: c.jwtAudience! },
    rateLimitPerSecond: c.rateLimitPerSecond,
    rateLimitBurst: c.rateLimitBurst,
    workerMaxAttempts: c.workerMaxAttempts,
    demoSale: c.demoSale === 'true',
    httpThreads: c.httpThreads,
    logLevel: c.logLevel,
    shutdownTimeoutMs: c.shutdownTimeoutMs,
    alarms,
    alarmWebhookUrl: c.alarmWebhookUrl,
  };
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

import { parseArgs } from 'node:util';
import { listDeadLetters, redriveAll, redriveDeadLetter } from './app/dead-letters.ts';
import { type AppDeps, composeAppDeps } from './app/deps.ts';
import { createSale, getSale } from './app/sales.ts';
import { COMMAND_USAGE, type CommandName, USAGE } from './cli-usage.ts';
import { ConfigError, loadConfig } from './config.ts';
import { FlashSaleError } from './domain/errors.ts';
import { loadLocalIssuer } from './http/auth/local-issuer.ts';
import { createSaleBody } from './http/request-schemas.ts';
import { saleJson } from './http/views.ts';
import type { Backend } from './ports/backend.ts';
import { systemClock } from './ports/clock.ts';
import { silentLogger } from './ports/logger.ts';
import { noMetrics } from './ports/metrics.ts';
import { openBackend } from './shapes/registry.ts';
import { packageVersion } from './version.ts';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!isCommand(command)) {
    process.stderr.write(`flashsale: no command "${command}"\n${USAGE}`);
    return 2;
  }
  if (command !== 'fleet' && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(COMMAND_USAGE[command]);
    return 0;
  }
  if (command === 'token') return token(rest);
  if (command === 'dead-letters') return deadLetters(rest);
  if (command === 'fleet') {
    // Loaded only here: the other commands need none of it (the fleet has its own --help).
    const { fleetCommand } = await import('./runtime/fleet/fleet-command.ts');
    return fleetCommand(rest);
  }
  return sale(rest);
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMAND_USAGE, name);
}

/** A wrong use of a command: its usage on stderr, exit code 2. */
function misuse(command: CommandName, problem?: string): number {
  process.stderr.write(
    `${problem === undefined ? '' : `flashsale ${command}: ${problem}\n`}${COMMAND_USAGE[command]}`,
  );
  return 2;
}

async function token(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      sub: { type: 'string' },
      admin: { type: 'boolean', default: false },
      ttl: { type: 'string', default: String(24 * 3600) },
      'data-dir': { type: 'string' },
    },
  });
  const ttlSeconds = Number(values.ttl);
  if (values.sub === undefined || values.sub === '') return misuse('token', '--sub is required');
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
    return misuse('token', '--ttl must be a whole number of seconds');
  const config = loadConfig(
    values['data-dir'] === undefined ? [] : ['--data-dir', values['data-dir']],
    process.env,
  );
  if (config.remoteAuth !== undefined || process.env.NODE_ENV === 'production') {
    process.stderr.write(
      'flashsale token mints development tokens for a server started with --auth local; ' +
        'this configuration verifies tokens from JWKS_URL: get them from that issuer\n',
    );
    return 2;
  }
  const issuer = await loadLocalIssuer(config.dataDir);
  process.stdout.write(`${await issuer.sign({ sub: values.sub, admin: values.admin, ttlSeconds })}\n`);
  return 0;
}

async function deadLetters(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { all: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } },
  });
  const { backend, deps } = await openStore(values['data-dir']);
  try {
    const [action, id] = positionals;
    if (action === 'list') {
      for (const letter of await listDeadLetters(deps, 1000)) {
        process.stdout.write(
          `${letter.id}\t${letter.topic}\t${letter.attempts} attempts\t${new Date(letter.failedAt).toISOString()}\t${letter.lastError}\n`,
        );
      }
      return 0;
    }
    if (action === 'redrive' && values.all) {
      process.stdout.write(`redriven: ${await redriveAll(deps)}\n`);
      return 0;
    }
    if (action === 'redrive' && id !== undefined) {
      await redriveDeadLetter(deps, id);
      process.stdout.write(`redriven: ${id}\n`);
      return 0;
    }
    return misuse('dead-letters');
  } finally {
    await backend.close();
  }
}

/** The store the environment (and --data-dir) names, opened directly, as the server opens it. */
async function openStore(dataDir: string | undefined): Promise<{ backend: Backend; deps: AppDeps }> {
  const config = loadConfig(dataDir === undefined ? [] : ['--data-dir', dataDir], process.env);
  const backend = await openBackend(config.backend, { dataDir: config.dataDir, logger: silentLogger });
  const deps = composeAppDeps(backend, {
    clock: systemClock,
    metrics: noMetrics,
    // Administration only: no purchases to limit or answer from memory.
    purchaseLimiter: undefined,
    soldOutBoard: undefined,
    saleCache: false,
  });
  return { backend, deps };
}

async function sale(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      sku: { type: 'string' },
      name: { type: 'string' },
      stock: { type: 'string' },
      'starts-at': { type: 'string' },
      'ends-at': { type: 'string' },
      'per-user-limit': { type: 'string', default: '1' },
      'price-cents': { type: 'string' },
      currency: { type: 'string' },
      'payment-window-seconds': { type: 'string', default: '900' },
      'data-dir': { type: 'string' },
    },
  });
  const [action, id, ...extra] = positionals;
  if (action === 'show' && id !== undefined && extra.length === 0) {
    const { backend, deps } = await openStore(values['data-dir']);
    try {
      process.stdout.write(`${JSON.stringify(saleJson(await getSale(deps, id)), null, 2)}\n`);
      return 0;
    } finally {
      await backend.close();
    }
  }
  if (action !== 'create' || id !== undefined) return misuse('sale');
  const number = (flag: string | undefined) => (flag === undefined || flag === '' ? undefined : Number(flag));
  // The body POST /v1/sales takes, checked by the same schema.
  const parsed = createSaleBody.safeParse({
    sku: values.sku,
    name: values.name,
    stock: number(values.stock),
    startsAt: values['starts-at'] ?? new Date().toISOString(),
    endsAt: values['ends-at'],
    perUserLimit: number(values['per-user-limit']),
    priceCents: number(values['price-cents']),
    currency: values.currency,
    paymentWindowSeconds: number(values['payment-window-seconds']),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) =>
        `--${kebab(String(issue.path[0]))}: ${/received undefined/.test(issue.message) ? 'required' : issue.message}`,
    );
    return misuse('sale', problems.join('; '));
  }
  const body = parsed.data;
  const { backend, deps } = await openStore(values['data-dir']);
  try {
    const created = await createSale(deps, {
      ...body,
      startsAt: Date.parse(body.startsAt),
      endsAt: Date.parse(body.endsAt),
    });
    process.stdout.write(`${JSON.stringify(saleJson(created), null, 2)}\n`);
    return 0;
  } finally {
    await backend.close();
  }
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const known =
      error instanceof ConfigError || error instanceof FlashSaleError || error instanceof TypeError;
    process.stderr.write(`flashsale: ${known ? (error as Error).message : String(error)}\n`);
    process.exitCode = known ? 2 : 1;
  },
);

import { parseArgs } from 'node:util';
import { listDeadLetters, redriveAll, redriveDeadLetter } from './app/dead-letters.ts';
import { composeAppDeps } from './app/deps.ts';
import { ConfigError, loadConfig } from './config.ts';
import { FlashSaleError } from './domain/errors.ts';
import { loadLocalIssuer } from './http/auth/local-issuer.ts';
import { systemClock } from './ports/clock.ts';
import { silentLogger } from './ports/logger.ts';
import { noMetrics } from './ports/metrics.ts';
import { openBackend } from './shapes/registry.ts';

const USAGE = `usage:
  flashsale token --sub <user> [--admin] [--ttl <seconds>] [--data-dir <dir>]
      prints a token the local server accepts
  flashsale dead-letters list [--data-dir <dir>]
  flashsale dead-letters redrive (<id> | --all) [--data-dir <dir>]
      sends parked order events through the pipeline again
  The store is the one BACKEND (and REDIS_URL, DATABASE_URL, ... for the
  cluster shape) names in the environment, as for the server.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'token') return token(rest);
  if (command === 'dead-letters') return deadLetters(rest);
  process.stderr.write(USAGE);
  return command === undefined || command === '--help' ? 0 : 2;
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
  if (values.sub === undefined || values.sub === '' || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig(
    values['data-dir'] === undefined ? [] : ['--data-dir', values['data-dir']],
    process.env,
  );
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
  const config = loadConfig(
    values['data-dir'] === undefined ? [] : ['--data-dir', values['data-dir']],
    process.env,
  );
  const backend = await openBackend(config.backend, { dataDir: config.dataDir, logger: silentLogger });
  const deps = composeAppDeps(backend, {
    clock: systemClock,
    metrics: noMetrics,
    // Dead letters only: no purchases to limit or answer from memory.
    purchaseLimiter: undefined,
    soldOutBoard: undefined,
    saleCache: false,
  });
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
    process.stderr.write(USAGE);
    return 2;
  } finally {
    await backend.close();
  }
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

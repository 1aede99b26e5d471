import { relative } from 'node:path';
import { loadLocalIssuer } from '../../http/auth/local-issuer.ts';
import { type Fleet, startFleet } from './fleet.ts';
import { FLEET_USAGE, type FleetOptions, FleetUsageError, parseFleetArgs } from './fleet-options.ts';

const say = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `flashsale fleet up` (`npm run fleet`): starts the fleet, prints where it
 * is, and runs until Ctrl-C or SIGTERM, which stop every process it started.
 * Resolves to the exit code.
 */
export async function fleetCommand(argv: readonly string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === 'help') {
    process.stdout.write(FLEET_USAGE);
    return 0;
  }
  let options: FleetOptions;
  try {
    if (action !== 'up')
      throw new FleetUsageError(action === undefined ? 'which action?' : `unknown action "${action}"`);
    options = parseFleetArgs(rest);
  } catch (error) {
    if (!(error instanceof FleetUsageError)) throw error;
    process.stderr.write(`flashsale fleet: ${error.message}\n${FLEET_USAGE}`);
    return 2;
  }

  const stopAsked = new AbortController();
  let fleet: Fleet | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopAsked.signal.aborted) {
      say(`fleet: ${signal}: already stopping, give it a moment`);
      return;
    }
    say(`fleet: ${signal}: stopping${fleet === undefined ? ' what was started so far' : ''}`);
    stopAsked.abort(new Error(`stopped by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const workers = `${options.workers} order worker${options.workers === 1 ? '' : 's'}`;
    say(
      `fleet: starting Redis, PostgreSQL, ${options.apis} API process${options.apis === 1 ? '' : 'es'} and ${workers}`,
    );
    try {
      fleet = await startFleet(options, (line) => say(`fleet: ${line}`), stopAsked.signal);
    } catch (error) {
      if (stopAsked.signal.aborted) {
        say('fleet: stopped');
        return 0;
      }
      process.stderr.write(`flashsale fleet: ${(error as Error).message}\n`);
      return 1;
    }
    await banner(fleet, options);
    const code = await runUntilStopped(fleet, stopAsked.signal);
    await fleet.stop();
    say('fleet: stopped');
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Waits for Ctrl-C or SIGTERM (0). A server that exits meanwhile is
 * reported and the others carry on; if Redis or PostgreSQL exits, nothing
 * can work: the fleet stops (1).
 */
async function runUntilStopped(fleet: Fleet, stop: AbortSignal): Promise<number> {
  const processes = [fleet.redis.process, fleet.postgres.process, ...fleet.servers.map((s) => s.process)];
  return new Promise((resolve) => {
    stop.addEventListener('abort', () => resolve(0), { once: true });
    for (const p of processes) {
      void p.exited.then((exit) => {
        if (stop.aborted) return;
        const how = exit.signal ?? `exit code ${exit.code}`;
        if (p === fleet.redis.process || p === fleet.postgres.process) {
          process.stderr.write(
            `flashsale fleet: ${p.name} exited (${how}), see ${p.logFile}: stopping the fleet\n`,
          );
          resolve(1);
        } else {
          say(`fleet: ${p.name} exited (${how}), see ${p.logFile}; the others carry on`);
        }
      });
    }
  });
}

async function banner(fleet: Fleet, options: FleetOptions): Promise<void> {
  const { url } = fleet;
  const issuer = await loadLocalIssuer(options.dataDir);
  const shopper = await issuer.sign({ sub: 'alice', admin: false });
  const sales = (await fetch(`${url}/v1/sales`)
    .then((response) => response.json())
    .catch(() => ({ sales: [] }))) as { sales?: Array<{ id: string; name: string; status: string }> };
  const live = sales.sales?.find((sale) => sale.status === 'live');
  const dataDir = shortPath(options.dataDir);
  const workers = fleet.servers.filter((s) => s.role === 'worker');
  say(
    [
      '',
      `Flash sale fleet on ${url}: ${options.apis} API processes on one port (SO_REUSEPORT), ${workers.length} order worker${workers.length === 1 ? '' : 's'}`,
      `  dashboard   ${url}/dashboard`,
      `  Redis       ${fleet.redis.url} (AOF, appendfsync always)   PostgreSQL ${fleet.postgres.url}`,
      `  data, logs  ${dataDir}/ (${shortPath(fleet.logDir)}/<process>.log)`,
      `  workers     ${workers.map((w) => `${w.name} ${w.url}/metrics`).join(', ')}`,
      ...(live === undefined
        ? [`Sales: curl -s ${url}/v1/sales`]
        : [
            `Demo sale ${live.id} ("${live.name}"), live now. Buy one as shopper "alice":`,
            `  TOKEN=${shopper}`,
            `  curl -s -X POST ${url}/v1/sales/${live.id}/purchase -H "Authorization: Bearer $TOKEN" \\`,
            `       -H 'content-type: application/json' -d '{"quantity":1,"idempotencyKey":"first-try"}'`,
          ]),
      `More tokens: npx flashsale token --sub bob [--admin] --data-dir ${dataDir}`,
      'Ctrl-C stops the fleet (servers, then Redis and PostgreSQL).',
      '',
    ].join('\n'),
  );
}

/** Relative to the working directory when under it. */
function shortPath(path: string): string {
  const near = relative(process.cwd(), path);
  return near === '' ? '.' : near.startsWith('..') ? path : near;
}

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** What `flashsale fleet up` starts, and where. */
export interface FleetOptions {
  /** API processes sharing `port` (SO_REUSEPORT). */
  readonly apis: number;
  /** Order worker processes (each answers health and metrics on a port of its own). */
  readonly workers: number;
  /** The shared API port; 0: a free one. */
  readonly port: number;
  readonly host: string;
  /** Redis's and PostgreSQL's data, the signing key and the logs. */
  readonly dataDir: string;
  /** Wipe `dataDir` first: a new Redis, a new database, a new signing key. */
  readonly fresh: boolean;
  /** The first API process creates a demo sale when the fleet's database has none. */
  readonly demoSale: boolean;
}

export const FLEET_USAGE = `usage:
  flashsale fleet up [--api N] [--workers M] [--port P] [--host H] [--data-dir DIR] [--fresh] [--no-demo-sale]
      starts Redis (AOF, appendfsync always) and PostgreSQL from this machine's binaries, with their
      data in DIR (default ./data/fleet) on free ports of their own, then N API processes (default 2)
      sharing port P (default 3000) and M order workers (default 1); Ctrl-C or SIGTERM stops all of it.
      --fresh wipes DIR first. POSTGRES_BIN names PostgreSQL's bin directory if it is not under
      /usr/lib/postgresql/<version>/bin.
`;

export class FleetUsageError extends Error {
  override name = 'FleetUsageError';
}

export function parseFleetArgs(argv: readonly string[]): FleetOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowNegative: true,
      options: {
        api: { type: 'string', default: '2' },
        workers: { type: 'string', default: '1' },
        port: { type: 'string', default: '3000' },
        host: { type: 'string', default: '127.0.0.1' },
        'data-dir': { type: 'string', default: './data/fleet' },
        fresh: { type: 'boolean', default: false },
        'demo-sale': { type: 'boolean', default: true },
      },
    }));
  } catch (error) {
    throw new FleetUsageError((error as Error).message);
  }
  return {
    apis: count(values.api, '--api', 1, 32),
    workers: count(values.workers, '--workers', 1, 32),
    port: count(values.port, '--port', 0, 65535),
    host: String(values.host),
    dataDir: resolve(String(values['data-dir'])),
    fresh: values.fresh === true,
    demoSale: values['demo-sale'] === true,
  };
}

function count(value: unknown, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new FleetUsageError(`${flag} takes a whole number from ${min} to ${max}, not "${String(value)}"`);
  }
  return n;
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FleetContext, launch, type ManagedProcess } from './managed-process.ts';
import { waitUntil } from './wait-until.ts';

/** The file `npm start` runs. */
const MAIN = fileURLToPath(new URL('../node/main.ts', import.meta.url));

export interface ServerSettings {
  readonly redisUrl: string;
  readonly databaseUrl: string;
  /** The servers' shared data directory: every one signs and verifies with the key there. */
  readonly dataDir: string;
  readonly host: string;
}

export interface ServerInstance {
  readonly name: string;
  readonly role: 'api' | 'worker';
  /** Where this process said it listens (API processes: the shared port). */
  readonly url: string;
  readonly process: ManagedProcess;
}

/**
 * One cluster-shape server (`node src/runtime/node/main.ts --backend cluster
 * --role api|worker`), configured by flags only, so that the fleet's own
 * servers win over any BACKEND, REDIS_URL or DATABASE_URL in the environment.
 * API processes bind `port` with SO_REUSEPORT; a worker takes a free port of
 * its own for health and metrics. Resolves once it logged that it listens.
 */
export async function startServer(
  server: {
    readonly name: string;
    readonly role: 'api' | 'worker';
    readonly port: number;
    readonly demoSale: boolean;
  },
  settings: ServerSettings,
  { logDir, signal, started }: FleetContext,
): Promise<ServerInstance> {
  const { name, role, port } = server;
  const logFile = join(logDir, `${name}.log`);
  const from = existsSync(logFile) ? statSync(logFile).size : 0;
  const flags = {
    backend: 'cluster',
    role,
    'redis-url': settings.redisUrl,
    'database-url': settings.databaseUrl,
    'data-dir': settings.dataDir,
    host: settings.host,
    port: String(port),
    'reuse-port': String(role === 'api'),
    // The fleet spreads the API over processes already; threads on top would crowd the same cores.
    'http-threads': '1',
    'demo-sale': String(server.demoSale),
    // A fleet on one machine is for trying the cluster shape: development tokens, unless a JWKS is configured.
    auth: process.env.JWKS_URL === undefined ? 'local' : 'jwks',
  };
  const args = Object.entries(flags).flatMap(([flag, value]) => [`--${flag}`, value]);
  const child = await launch(name, process.execPath, [MAIN, ...args], { logFile });
  started(child);
  const url = await waitUntil(child, 'listening', async () => listeningUrl(logFile, from), {
    timeoutMs: 60_000,
    signal,
  });
  return { name, role, url, process: child };
}

/** The URL of the server's "listening" log line, written after `from` (the log is appended to on each start). */
function listeningUrl(logFile: string, from: number): string | undefined {
  const text = readFileSync(logFile).subarray(from).toString();
  for (const line of text.split('\n')) {
    if (!line.includes('"listening"')) continue;
    try {
      const record = JSON.parse(line) as { message?: unknown; url?: unknown };
      if (record.message === 'listening' && typeof record.url === 'string') return record.url;
    } catch {
      // A line still being written: read again on the next poll.
    }
  }
  return undefined;
}

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadLocalIssuer } from '../../http/auth/local-issuer.ts';
import type { FleetOptions } from './fleet-options.ts';
import { FleetState } from './fleet-state.ts';
import { freePort, portIsFree } from './free-port.ts';
import type { FleetContext, ManagedProcess } from './managed-process.ts';
import { type PostgresInstance, startPostgres } from './postgres-instance.ts';
import { type RedisInstance, startRedis } from './redis-instance.ts';
import { type ServerInstance, startServer } from './server-instance.ts';

/** How long a server gets to finish its requests and batches after SIGTERM, a database after its stop signal. */
const SERVER_GRACE_MS = 15_000;
const DATABASE_GRACE_MS = 30_000;

export interface Fleet {
  /** The API processes' shared URL. */
  readonly url: string;
  readonly logDir: string;
  readonly redis: RedisInstance;
  readonly postgres: PostgresInstance;
  readonly servers: readonly ServerInstance[];
  /** Servers first (they finish what they took), then Redis and PostgreSQL. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a whole cluster-shape deployment on this machine: Redis and
 * PostgreSQL with their data in `options.dataDir`, then the API processes on
 * one port and the order workers; resolves once the shared port answers
 * `/readyz`. If anything fails, or `signal` aborts, before that, whatever
 * was started is stopped again before the promise rejects.
 */
export async function startFleet(
  options: FleetOptions,
  progress: (line: string) => void,
  signal: AbortSignal,
): Promise<Fleet> {
  const { dataDir, host } = options;
  mkdirSync(dataDir, { recursive: true });
  const state = new FleetState(dataDir);
  await state.claim(progress);
  if (options.fresh) {
    progress(`--fresh: wiping ${dataDir}`);
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dataDir, { recursive: true });
  }
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const port = options.port === 0 ? await freePort(host) : options.port;
  if (!(await portIsFree(port, host))) {
    throw new Error(`port ${port} on ${host} is taken: choose another with --port (0: any free port)`);
  }
  state.open();
  const started: ManagedProcess[] = [];
  const track = (process: ManagedProcess) => {
    started.push(process);
    state.record(process.name, process.pid);
  };
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopAll(started, progress).finally(() => state.close());
    return stopping;
  };
  const failed = new AbortController();
  const context: FleetContext = {
    dataDir,
    logDir,
    signal: AbortSignal.any([signal, failed.signal]),
    started: track,
    progress,
  };
  try {
    // Written before any server starts, so that every one signs and verifies with this key.
    await loadLocalIssuer(dataDir);
    progress(`data in ${dataDir}, logs in ${logDir}`);
    const [redis, postgres] = await together(failed, [
      startRedis(context).then((redis) => {
        progress(`Redis ${redis.version} ready on ${redis.url} (AOF, appendfsync always)`);
        return redis;
      }),
      startPostgres(context).then((postgres) => {
        const as = postgres.user === undefined ? '' : `, as the ${postgres.user.name} OS user`;
        progress(`PostgreSQL ${postgres.version} ready on ${postgres.url}${as}`);
        return postgres;
      }),
    ]);
    const settings = { redisUrl: redis.url, databaseUrl: postgres.url, dataDir, host };
    const launches = [
      // One API process asks for the demo sale: several would race to create one each.
      ...Array.from({ length: options.apis }, (_, i) => ({
        name: `api-${i + 1}`,
        role: 'api' as const,
        port,
        demoSale: options.demoSale && i === 0,
      })),
      ...Array.from({ length: options.workers }, (_, i) => ({
        name: `worker-${i + 1}`,
        role: 'worker' as const,
        port: 0,
        demoSale: false,
      })),
    ].map((server) =>
      startServer(server, settings, context).then((running) => {
        progress(`${running.name} ready (pid ${running.process.pid}, ${running.url})`);
        return running;
      }),
    );
    const servers = await together(failed, launches);
    const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;
    await waitForReady(url, signal);
    return { url, logDir, redis, postgres, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Promise.all for launches: the first failure aborts `failed` (the others
 * stop waiting), and every launch settles before this rejects, since a
 * process that started after the clean-up began would be left behind.
 */
async function together<T extends readonly unknown[]>(
  failed: AbortController,
  launches: { readonly [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const settled = await Promise.allSettled(
    launches.map((launching: Promise<unknown>) =>
      launching.catch((error: unknown) => {
        failed.abort(error);
        throw error;
      }),
    ),
  );
  const rejected = settled.find((result) => result.status === 'rejected');
  // The first failure, rather than the aborts it caused in the others.
  if (rejected !== undefined) throw failed.signal.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

async function stopAll(started: readonly ManagedProcess[], progress: (line: string) => void): Promise<void> {
  const servers = started.filter((p) => p.name !== 'redis' && p.name !== 'postgres');
  const databases = started.filter((p) => !servers.includes(p));
  const stopping = async (group: readonly ManagedProcess[], graceMs: number) => {
    await Promise.all(
      group.map(async (p) => {
        if (!p.running()) return;
        // SIGINT is PostgreSQL's fast shutdown: roll back open transactions, checkpoint, exit.
        const exit = await p.stop(p.name === 'postgres' ? 'SIGINT' : 'SIGTERM', graceMs);
        progress(
          `${p.name} stopped${exit.code === 0 ? '' : ` (${exit.signal ?? `exit code ${exit.code}`})`}`,
        );
      }),
    );
  };
  await stopping(servers, SERVER_GRACE_MS);
  await stopping(databases, DATABASE_GRACE_MS);
}

async function waitForReady(url: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    signal.throwIfAborted();
    const status = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline)
      throw new Error(`${url}/readyz did not answer 200 within 30 s (last: ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { type FleetContext, launch, type ManagedProcess } from './managed-process.ts';
import { findPostgresBinaries } from './postgres-binaries.ts';
import { type OsUser, postgresUser } from './run-as.ts';
import { waitUntil } from './wait-until.ts';

/** The database the fleet's servers keep their orders in (created on the first start). */
export const FLEET_DATABASE = 'flashsale';

export interface PostgresInstance {
  readonly url: string;
  readonly version: string;
  /** The OS user it runs as, when not the fleet's own (the fleet runs as root). */
  readonly user: OsUser | undefined;
  /** True when this start created the cluster (initdb). */
  readonly created: boolean;
  readonly process: ManagedProcess;
}

/**
 * PostgreSQL from this machine's binaries (see findPostgresBinaries), its
 * cluster in `<dataDir>/postgres` (initdb on the first start, trust
 * authentication, superuser `postgres`), listening on 127.0.0.1 on a free
 * port and on no Unix socket. As root it runs as the `postgres` OS user,
 * which then owns the directory (see postgresUser).
 */
export async function startPostgres(context: FleetContext): Promise<PostgresInstance> {
  const { dataDir, logDir, signal, started, progress } = context;
  const binaries = findPostgresBinaries(process.env);
  const user = postgresUser();
  const dir = join(dataDir, 'postgres');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user !== undefined) {
    chownSync(dir, user.uid, user.gid);
    const reachable = spawnSync('test', ['-w', dir], { uid: user.uid, gid: user.gid }).status === 0;
    if (!reachable) {
      throw new Error(
        `PostgreSQL runs as the ${user.name} OS user (it refuses to run as root), which cannot reach ${dir}: ` +
          'a directory above it is closed to other users. Open it (chmod o+x) or choose --data-dir under /tmp',
      );
    }
  }
  const logFile = join(logDir, 'postgres.log');
  const created = !existsSync(join(dir, 'PG_VERSION'));
  if (created) {
    progress(`initdb ${dir} (first start${user === undefined ? '' : `, as the ${user.name} OS user`})`);
    const initdb = await launch(
      'initdb',
      join(binaries.dir, 'initdb'),
      ['-D', dir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C'],
      { logFile, cwd: dir, user },
    );
    const onAbort = () => void initdb.stop('SIGTERM', 5_000);
    signal.addEventListener('abort', onAbort, { once: true });
    const { code } = await initdb.exited;
    signal.removeEventListener('abort', onAbort);
    signal.throwIfAborted();
    if (code !== 0) throw new Error(`initdb failed (exit ${code}): see ${logFile}`);
  }
  const port = await freePort();
  const args = [
    '-D',
    dir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
  ];
  const server = await launch('postgres', join(binaries.dir, 'postgres'), args, { logFile, cwd: dir, user });
  started(server);
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitUntil(server, 'accepting connections', () => query(admin, 'SELECT 1'), {
    timeoutMs: 60_000,
    signal,
  });
  const exists = await query(admin, 'SELECT 1 FROM pg_database WHERE datname = $1', [FLEET_DATABASE]);
  if (exists?.length === 0) await query(admin, `CREATE DATABASE ${FLEET_DATABASE}`);
  const version =
    binaries.version || String((await query(admin, 'SHOW server_version'))?.[0]?.server_version);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${FLEET_DATABASE}`,
    version,
    user,
    created,
    process: server,
  };
}

async function query(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

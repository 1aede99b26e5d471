import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian and Ubuntu install each PostgreSQL major version: <root>/<version>/bin. */
export const POSTGRES_ROOT = '/usr/lib/postgresql';

export interface PostgresBinaries {
  /** Holds initdb and postgres. */
  readonly dir: string;
  /** The major version, from the directory name ('' when POSTGRES_BIN named the directory). */
  readonly version: string;
}

/**
 * This machine's PostgreSQL server binaries: POSTGRES_BIN when set, else the
 * newest <root>/<version>/bin that has initdb and postgres (the server
 * binaries are not on PATH on Debian-like systems; only the clients are).
 */
export function findPostgresBinaries(env: NodeJS.ProcessEnv, root = POSTGRES_ROOT): PostgresBinaries {
  const named = env.POSTGRES_BIN;
  if (named !== undefined && named !== '') {
    if (!hasServer(named)) throw new Error(`POSTGRES_BIN=${named} has no initdb and postgres in it`);
    return { dir: named, version: '' };
  }
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => /^\d+(\.\d+)?$/.test(name) && hasServer(join(root, name, 'bin')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(
      `no PostgreSQL server found under ${root}/<version>/bin: install one (apt-get install postgresql) ` +
        'or set POSTGRES_BIN to the directory that holds initdb and postgres',
    );
  }
  return { dir: join(root, newest, 'bin'), version: newest };
}

function hasServer(dir: string): boolean {
  return existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
}

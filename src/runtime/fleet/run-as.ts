import { readFileSync } from 'node:fs';

/** An OS user a child process runs as (Node's spawn takes them as `uid` and `gid`). */
export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/**
 * Who runs PostgreSQL: postgres refuses to run as root, so when the fleet
 * runs as root, initdb and postgres run as the `postgres` OS user (which the
 * PostgreSQL packages create) in a data directory it owns. Otherwise they run
 * as whoever runs the fleet (undefined: no change).
 */
export function postgresUser(uid = process.getuid?.(), passwd = '/etc/passwd'): OsUser | undefined {
  if (uid !== 0) return undefined;
  const entry = readFileSync(passwd, 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (entry === undefined || entry.length < 4) {
    throw new Error(
      'the fleet runs as root and PostgreSQL refuses to: there is no `postgres` OS user to run it as. ' +
        'Create one (useradd --system postgres) or run the fleet as an ordinary user',
    );
  }
  return { name: 'postgres', uid: Number(entry[2]), gid: Number(entry[3]) };
}

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries } from '../../../../src/runtime/fleet/postgres-binaries.ts';
import { postgresUser } from '../../../../src/runtime/fleet/run-as.ts';

const root = mkdtempSync(join(tmpdir(), 'flashsale-pgbin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function install(version: string, binaries: string[]): string {
  const bin = join(root, version, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const name of binaries) {
    writeFileSync(join(bin, name), '#!/bin/sh\n');
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

describe('findPostgresBinaries', () => {
  it('takes the newest version that has the server binaries, numerically', () => {
    install('9.6', ['initdb', 'postgres']);
    const v15 = install('15', ['initdb', 'postgres']);
    install('16', ['psql']); // the client only
    install('10', ['initdb', 'postgres']);
    expect(findPostgresBinaries({}, root)).toEqual({ dir: v15, version: '15' });
  });

  it('takes POSTGRES_BIN when set, and checks it', () => {
    const v10 = join(root, '10', 'bin');
    expect(findPostgresBinaries({ POSTGRES_BIN: v10 }, root)).toEqual({ dir: v10, version: '' });
    expect(() => findPostgresBinaries({ POSTGRES_BIN: join(root, '16', 'bin') }, root)).toThrow(
      /POSTGRES_BIN=.*has no initdb and postgres/,
    );
  });

  it('says how to get one when there is none', () => {
    expect(() => findPostgresBinaries({}, join(root, 'nowhere'))).toThrow(
      /no PostgreSQL server found under .*nowhere\/<version>\/bin: install one .* or set POSTGRES_BIN/,
    );
  });
});

describe('postgresUser', () => {
  const passwd = join(root, 'passwd');
  writeFileSync(
    passwd,
    'root:x:0:0:root:/root:/bin/bash\npostgres:x:105:110:PostgreSQL:/var/lib/postgresql:/bin/bash\n',
  );

  it('runs PostgreSQL as the postgres OS user when the fleet is root, as the fleet user otherwise', () => {
    expect(postgresUser(0, passwd)).toEqual({ name: 'postgres', uid: 105, gid: 110 });
    expect(postgresUser(1000, passwd)).toBeUndefined();
  });

  it('says what to do as root without a postgres user', () => {
    const none = join(root, 'passwd-none');
    writeFileSync(none, 'root:x:0:0:root:/root:/bin/bash\n');
    expect(() => postgresUser(0, none)).toThrow(/PostgreSQL refuses to.*useradd --system postgres/);
  });
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../../../src/adapters/sqlite/database.ts';
import { MIGRATIONS } from '../../../../src/adapters/sqlite/schema.ts';

describe('openEmbeddedDatabase', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-db-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a private file in WAL mode, synced by the store, with a page cache for a sale, schema up to date', () => {
    const path = join(dir, 'data', 'flashsale.db');
    const db = openEmbeddedDatabase({ path, durability: 'full' });
    const pragma = (name: string) => Object.values(db.prepare(`PRAGMA ${name}`).get()!)[0];
    expect(pragma('journal_mode')).toBe('wal');
    // NORMAL on the connection: under FULL the store fdatasyncs the WAL itself (WalSync) before answering.
    expect(pragma('synchronous')).toBe(1);
    expect(pragma('foreign_keys')).toBe(1);
    expect(pragma('cache_size')).toBe(-131_072);
    expect(pragma('user_version')).toBe(MIGRATIONS.length);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    db.close();
  });
});

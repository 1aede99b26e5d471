import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { WalCheckpointer } from '../../../../src/adapters/sqlite/wal-checkpointer.ts';

describe('WalCheckpointer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-wal-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('copies committed WAL pages into the database file from its own thread', async () => {
    const path = join(dir, 'store.db');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    db.exec('BEGIN');
    for (let i = 0; i < 5_000; i++) insert.run(`row ${i} ${'x'.repeat(100)}`);
    db.exec('COMMIT');
    const uncheckpointed = statSync(path).size;
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(500_000);

    const failures: Error[] = [];
    const checkpointer = new WalCheckpointer(path, (error) => failures.push(error), 50);
    // A checkpoint grows the file page by page: wait for all of it, not the first page.
    let size = uncheckpointed;
    for (let waited = 0; waited < 10_000 && size <= uncheckpointed + 400_000; waited += 50) {
      await sleep(50);
      size = statSync(path).size;
    }
    await checkpointer.close();
    expect(failures).toEqual([]);
    expect(size).toBeGreaterThan(uncheckpointed + 400_000);
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(5_000);
    db.close();
  });
});

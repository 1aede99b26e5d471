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
    const checkpointer = new WalCheckpointer(path, (error) => failures.push(error), { intervalMs: 50 });
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

/** A store-like writer on a new WAL database: `commit(n)` writes `rowsPerCommit` rows in one transaction, and says how long it took. */
function openWriter(path: string, rowsPerCommit = 40) {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
    PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (v TEXT NOT NULL)`);
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const commit = (n: number): number => {
    const started = performance.now();
    db.exec('BEGIN IMMEDIATE');
    for (let row = 0; row < rowsPerCommit; row++) insert.run(`${n}:${row} ${'x'.repeat(200)}`);
    db.exec('COMMIT');
    return performance.now() - started;
  };
  const rows = () => db.prepare('SELECT COUNT(*) AS n FROM t').get()?.n;
  return { db, commit, rows };
}

describe('WalCheckpointer on a WAL written without pause', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-wal-restart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Commits of 4 rows for 600 ms, 30 µs apart, while the thread checkpoints
   * every 20 ms; the WAL file's largest size. The gaps are shorter than any
   * checkpoint (its fsync of the database file alone takes longer), so a
   * PASSIVE checkpoint always has a commit beside it and never lets the
   * writer start the WAL over, on a fast machine as on a slow one; a RESTART
   * one waits for a gap, and does.
   */
  async function largestWal(name: string, restartAfterFrames: number): Promise<number> {
    const path = join(dir, `${name}.db`);
    const { db, commit, rows } = openWriter(path, 4);
    const failures: Error[] = [];
    const checkpointer = new WalCheckpointer(path, (error) => failures.push(error), {
      intervalMs: 20,
      restartAfterFrames,
    });
    let largest = 0;
    let commits = 0;
    const end = performance.now() + 600;
    while (performance.now() < end) {
      commit(commits++);
      largest = Math.max(largest, statSync(`${path}-wal`).size);
      const gapEnds = performance.now() + 0.03;
      while (performance.now() < gapEnds);
    }
    await checkpointer.close();
    expect(failures).toEqual([]);
    expect(rows()).toBe(commits * 4);
    db.close();
    return largest;
  }

  it('starts the WAL over once it holds the given number of frames, so it stops growing', async () => {
    const unbounded = await largestWal('passive-only', Number.MAX_SAFE_INTEGER);
    const restarted = await largestWal('restarted', 100);
    // Thousands of commits of a frame or two: megabytes of WAL when nothing starts it over.
    expect(unbounded).toBeGreaterThan(2_000_000);
    // 100 frames, plus what is committed until a RESTART finds a gap: measured, 15 % of the unbounded WAL
    // on an idle machine, up to 24 % with another process spinning on the second core.
    expect(restarted).toBeLessThan(unbounded / 2);
  });
});

describe('WalCheckpointer beside a reader that stays (a backup, say)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flashsale-wal-reader-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('never holds the writer off for long, and starts the WAL over once the reader is gone', async () => {
    const path = join(dir, 'store.db');
    const { db, commit, rows } = openWriter(path);
    const checkpointer = new WalCheckpointer(path, () => {}, { intervalMs: 20, restartAfterFrames: 100 });
    const reader = new DatabaseSync(path);
    reader.exec('BEGIN');
    expect(reader.prepare('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(0);

    let longest = 0;
    for (let n = 0; n < 300; n++) {
      longest = Math.max(longest, commit(n));
      await sleep(2);
    }
    const walWithReader = statSync(`${path}-wal`).size;
    // The reader's snapshot is still the empty table.
    expect(reader.prepare('SELECT COUNT(*) AS n FROM t').get()?.n).toBe(0);
    reader.exec('COMMIT');
    reader.close();
    // A checkpoint waiting for the reader would hold each commit off for its whole busy timeout.
    expect(longest).toBeLessThan(500);

    let settled = 0;
    let largestAfter = 0;
    for (let n = 300; n < 900; n++) {
      commit(n);
      if (n === 600) settled = statSync(`${path}-wal`).size;
      if (n >= 600) largestAfter = Math.max(largestAfter, statSync(`${path}-wal`).size);
      await sleep(2);
    }
    await checkpointer.close();
    expect(rows()).toBe(900 * 40);
    db.close();
    // While the reader stayed, nothing could start the WAL over: 300 commits grew it. Once it left, the
    // WAL was started over and the file reused: 300 more commits (3.5 MB of frames) did not grow it.
    expect(walWithReader).toBeGreaterThan(3_000_000);
    expect(largestAfter).toBeLessThan(settled + 200_000);
  });
});

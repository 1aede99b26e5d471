import { fdatasync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../../src/adapters/sqlite/group-commit.ts';
import { type Datasync, WalSync } from '../../../../src/adapters/sqlite/wal-sync.ts';

/** An fdatasync that waits until the test lets it finish, and counts calls. */
function heldDatasync() {
  const waiting: Array<(error: NodeJS.ErrnoException | null) => void> = [];
  const datasync: Datasync = (_fd, callback) => {
    waiting.push(callback);
  };
  return {
    datasync,
    calls: () => waiting.length,
    finish(index: number, error: NodeJS.ErrnoException | null = null) {
      waiting[index]!(error);
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('WalSync', () => {
  const dirs: string[] = [];
  const walFile = () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-sync-'));
    dirs.push(dir);
    const path = join(dir, 'store.db-wal');
    writeFileSync(path, '');
    return path;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('runs one fdatasync at a time; the syncs asked for meanwhile share the next one', async () => {
    const held = heldDatasync();
    const wal = new WalSync(walFile(), held.datasync);
    const settled: string[] = [];
    const first = wal.sync().then(() => settled.push('first'));
    await turn();
    const second = wal.sync().then(() => settled.push('second'));
    const third = wal.sync().then(() => settled.push('third'));
    await turn();
    expect(held.calls()).toBe(1);

    held.finish(0);
    await first;
    await turn();
    // The queued sync starts only now, after every commit that asked for it was written.
    expect(held.calls()).toBe(2);
    expect(settled).toEqual(['first']);

    held.finish(1);
    await Promise.all([second, third]);
    expect(settled).toEqual(['first', 'second', 'third']);
    expect(held.calls()).toBe(2);
    await wal.close();
  });

  it('passes a failed fdatasync to the callers that waited on it', async () => {
    const held = heldDatasync();
    const wal = new WalSync(walFile(), held.datasync);
    const sync = wal.sync();
    await turn();
    held.finish(0, Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await expect(sync).rejects.toThrow('EIO');
    // The next commit gets a fresh attempt.
    const next = wal.sync();
    await turn();
    held.finish(1);
    await expect(next).resolves.toBeUndefined();
    await wal.close();
  });

  it('syncs a real file with the real fdatasync', async () => {
    const wal = new WalSync(walFile(), fdatasync);
    await expect(Promise.all([wal.sync(), wal.sync(), wal.sync()])).resolves.toHaveLength(3);
    await wal.close();
  });
});

describe('GroupCommit with a durability barrier', () => {
  it('answers a batch only once its commit is durable, and decides the next batch meanwhile', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v INTEGER NOT NULL)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const barriers: Array<() => void> = [];
    const writes = new GroupCommit(db, () => new Promise<void>((resolve) => barriers.push(resolve)));
    const answered: number[] = [];
    const first = [1, 2].map((v) => writes.write(() => insert.run(v)).then(() => answered.push(v)));
    await turn();
    // Committed (another connection would see it), not answered: the sync has not finished.
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()!.n).toBe(2);
    expect(answered).toEqual([]);

    const second = writes.write(() => insert.run(3)).then(() => answered.push(3));
    await turn();
    expect(barriers).toHaveLength(2);
    expect(answered).toEqual([]);

    barriers[0]!();
    await Promise.all(first);
    expect(answered).toEqual([1, 2]);
    barriers[1]!();
    await second;
    expect(answered).toEqual([1, 2, 3]);
  });

  it('rejects a batch whose sync failed', async () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v INTEGER NOT NULL)');
    const writes = new GroupCommit(db, () => Promise.reject(new Error('EIO: i/o error')));
    await expect(writes.write(() => db.exec('INSERT INTO t (v) VALUES (1)'))).rejects.toThrow('EIO');
  });
});

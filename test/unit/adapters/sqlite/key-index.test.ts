import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../../../src/adapters/sqlite/database.ts';
import { GroupCommit } from '../../../../src/adapters/sqlite/group-commit.ts';
import { KeyIndex } from '../../../../src/adapters/sqlite/key-index.ts';
import { MIGRATIONS } from '../../../../src/adapters/sqlite/schema.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');

function insertSale(db: DatabaseSync): void {
  db.prepare(
    `INSERT INTO sales (id, sku, name, stock, available, starts_at, ends_at, per_user_limit, price_cents,
       currency, payment_window_seconds, created_at) VALUES ('s', 's', 's', 1000000, 1000000, ?, ?, 10, 100, 'EUR', 900, ?)`,
  ).run(T0, T0 + 3_600_000, T0);
}

function insertReservation(db: DatabaseSync, n: number): number {
  const result = db
    .prepare(
      `INSERT INTO reservations (id, order_id, sale_id, user_id, quantity, idempotency_key, amount_cents,
         currency, state, created_at, expires_at) VALUES (?, ?, 's', ?, 1, ?, 100, 'EUR', 'held', ?, ?)`,
    )
    .run(`r${n}`, `o${n}`, `user-${n % 1000}`, `key-${n}`, T0, T0 + 900_000);
  return Number(result.lastInsertRowid);
}

describe('KeyIndex: keys of reservations, moved from memory into used_keys in slices', () => {
  const dirs: string[] = [];
  const dbs: DatabaseSync[] = [];
  afterEach(() => {
    for (const db of dbs.splice(0)) if (db.isOpen) db.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function open(path: string) {
    const db = openEmbeddedDatabase({ path, durability: 'normal' });
    dbs.push(db);
    const writes = new GroupCommit(db);
    return { db, writes, index: new KeyIndex(db, writes) };
  }

  function scratch(): string {
    const dir = mkdtempSync(join(tmpdir(), 'key-index-'));
    dirs.push(dir);
    return join(dir, 'store.db');
  }

  it('finds every key, in memory or indexed, and indexes the tail in slices as it grows', async () => {
    const { db, writes, index } = open(scratch());
    insertSale(db);
    const seqs = await writes.write(() =>
      Array.from({ length: 10_000 }, (_, n) => {
        const seq = insertReservation(db, n);
        index.added(`user-${n % 1000}`, `key-${n}`, seq);
        return seq;
      }),
    );
    // The queued slices run in writes of their own, after this one.
    for (let i = 0; i < 10 && index.pending >= 4_096; i++) await new Promise((r) => setTimeout(r, 20));
    expect(index.pending).toBeLessThan(4_096);
    const indexed = db.prepare('SELECT COUNT(*) AS n FROM used_keys').get()!.n as number;
    expect(indexed + index.pending).toBe(10_000);
    expect(indexed).toBeGreaterThanOrEqual(8_192);
    for (let n = 0; n < 10_000; n += 7) expect(index.seqOf(`user-${n % 1000}`, `key-${n}`)).toBe(seqs[n]);
    expect(index.seqOf('user-1', 'key-2')).toBeUndefined(); // key-2 belongs to user-2
    expect(index.seqOf('user-2', 'key-10001')).toBeUndefined();
  });

  it('after a restart the rows past the cursor are the tail again; after a rollback, none that was undone', async () => {
    const path = scratch();
    const first = open(path);
    insertSale(first.db);
    await first.writes.write(() => {
      for (let n = 0; n < 100; n++)
        first.index.added(`user-${n}`, `key-${n}`, insertReservation(first.db, n));
      first.index.indexSlice(60);
    });
    const failed = first.writes.write(() => {
      first.index.added('user-x', 'key-x', insertReservation(first.db, 5_000));
      throw new Error('this write fails: its row is rolled back');
    });
    await expect(failed).rejects.toThrow('rolled back');
    expect(first.index.seqOf('user-x', 'key-x')).toBeUndefined();
    expect(first.index.pending).toBe(40);
    first.db.close();

    const again = open(path);
    expect(again.index.pending).toBe(40);
    for (let n = 0; n < 100; n++) expect(again.index.seqOf(`user-${n}`, `key-${n}`)).toBe(n + 1);
    expect(again.index.seqOf('user-x', 'key-x')).toBeUndefined();
  });

  it('a store written before the index existed has its keys found, then indexed', async () => {
    const path = scratch();
    const old = new DatabaseSync(path);
    old.exec('PRAGMA journal_mode = WAL');
    for (const migration of MIGRATIONS.slice(0, 4)) old.exec(migration);
    old.exec('PRAGMA user_version = 4');
    insertSale(old);
    old.exec('BEGIN');
    for (let n = 0; n < 5_000; n++) insertReservation(old, n);
    old.exec('COMMIT');
    old.close();

    const { db, index } = open(path);
    expect(index.seqOf('user-42', 'key-42')).toBe(43);
    for (let i = 0; i < 10 && index.pending >= 4_096; i++) await new Promise((r) => setTimeout(r, 20));
    expect(index.pending).toBe(5_000 - 4_096);
    expect(db.prepare('SELECT COUNT(*) AS n FROM used_keys').get()!.n).toBe(4_096);
    for (let n = 0; n < 5_000; n += 11) expect(index.seqOf(`user-${n % 1000}`, `key-${n}`)).toBe(n + 1);
  });
});

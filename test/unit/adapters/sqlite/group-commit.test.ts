import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../../src/adapters/sqlite/group-commit.ts';

describe('GroupCommit', () => {
  function table() {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE t (v INTEGER NOT NULL)');
    return {
      db,
      writes: new GroupCommit(db),
      count: () => db.prepare('SELECT COUNT(*) AS n FROM t').get()!.n,
    };
  }

  it('commits the writes of one turn together and answers each after the commit', async () => {
    const { db, writes, count } = table();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const seenInTransaction: boolean[] = [];
    const results = await Promise.all(
      [1, 2, 3].map((v) =>
        writes.write(() => {
          seenInTransaction.push(db.isTransaction);
          insert.run(v);
          return v * 10;
        }),
      ),
    );
    expect(results).toEqual([10, 20, 30]);
    expect(seenInTransaction).toEqual([true, true, true]);
    expect(count()).toBe(3);
    expect(db.isTransaction).toBe(false);
  });

  it('rolls back only the write that threw, and rejects only its caller', async () => {
    const { db, writes, count } = table();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const outcomes = await Promise.allSettled([
      writes.write(() => insert.run(1)),
      writes.write(() => {
        insert.run(2);
        insert.run(3);
        throw new Error('half-written');
      }),
      writes.write(() => insert.run(4)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(
      db
        .prepare('SELECT v FROM t ORDER BY v')
        .all()
        .map((row) => row.v),
    ).toEqual([1, 4]);
    expect(count()).toBe(2);
  });
});

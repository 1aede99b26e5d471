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

  it('runs the before-commit hooks once per batch, inside it, after the writes that stayed', async () => {
    const { db, writes } = table();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const scopes: string[] = [];
    writes.onRollback((scope) => scopes.push(scope));
    const seen: Array<{ inTransaction: boolean; rows: unknown }> = [];
    writes.beforeCommit(() => {
      seen.push({
        inTransaction: db.isTransaction,
        rows: db.prepare('SELECT COUNT(*) AS n FROM t').get()!.n,
      });
    });
    await Promise.allSettled([
      writes.write(() => insert.run(1)),
      writes.write(() => {
        insert.run(2);
        throw new Error('half-written');
      }),
      writes.write(() => insert.run(3)),
    ]);
    // The batch ran twice (the second time with a savepoint per write); the hook once, at the end.
    expect(seen).toEqual([{ inTransaction: true, rows: 2 }]);
    expect(scopes).toEqual(['batch', 'write']);
  });

  it('a hook that throws rolls the whole batch back and fails every write of it', async () => {
    const { db, writes, count } = table();
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const scopes: string[] = [];
    writes.onRollback((scope) => scopes.push(scope));
    let refuse = true;
    writes.beforeCommit(() => {
      if (refuse) throw new Error('the batch is not consistent');
    });
    const outcomes = await Promise.allSettled([1, 2].map((v) => writes.write(() => insert.run(v))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(count()).toBe(0);
    expect(scopes).toEqual(['batch']);
    refuse = false;
    await writes.write(() => insert.run(3));
    expect(count()).toBe(1);
  });
});

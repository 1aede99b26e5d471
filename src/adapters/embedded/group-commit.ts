import type { DatabaseSync } from 'node:sqlite';

interface PendingWrite {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for the embedded store: every write asked for while the event
 * loop is busy joins the next transaction, flushed on `setImmediate`, so one
 * WAL commit (one fsync under synchronous=FULL) serves all of them. Each
 * write runs inside its own savepoint: one that throws is rolled back alone
 * and rejects alone. A caller is answered only after the commit, never before.
 * The work runs synchronously inside the transaction, so no lock is ever held
 * across an await.
 */
export class GroupCommit {
  readonly #db: DatabaseSync;
  #pending: PendingWrite[] = [];
  #scheduled = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      for (const { work } of batch) {
        this.#db.exec('SAVEPOINT write');
        try {
          outcomes.push({ ok: true, value: work() });
          this.#db.exec('RELEASE write');
        } catch (error) {
          this.#db.exec('ROLLBACK TO write');
          this.#db.exec('RELEASE write');
          outcomes.push({ ok: false, error });
        }
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      for (const { reject } of batch) reject(error);
      return;
    }
    for (const [index, { resolve, reject }] of batch.entries()) {
      const outcome = outcomes[index]!;
      if (outcome.ok) resolve(outcome.value);
      else reject(outcome.error);
    }
  }
}

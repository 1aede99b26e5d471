import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** What a rollback undid: the whole batch, or one write's savepoint (the others' changes stay). */
export type RollbackScope = 'batch' | 'write';

type Outcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

interface PendingWrite {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for the embedded store: every write asked for while the event
 * loop is busy joins the next transaction, flushed on `setImmediate`, so one
 * WAL commit (one fsync under synchronous=FULL) serves all of them. A write
 * that throws is rolled back alone and rejects alone (the batch is then run
 * again with a savepoint around each write). A caller is answered only after
 * the commit is durable, never before.
 * The work runs synchronously inside the transaction, so no lock is ever held
 * across an await.
 */
export class GroupCommit {
  readonly #db: DatabaseSync;
  readonly #sql: Record<'savepoint' | 'release' | 'rollbackTo', StatementSync>;
  #pending: PendingWrite[] = [];
  #scheduled = false;
  readonly #rollbackListeners: Array<(scope: RollbackScope) => void> = [];
  readonly #beforeCommit: Array<() => void> = [];
  readonly #durable: (() => Promise<void>) | undefined;

  /**
   * `durable`: resolves once the commits made before the call are on disk
   * (the WAL's fdatasync, see WalSync); the writers of a batch are answered
   * only then. Without it a commit is answered as soon as it returns.
   */
  constructor(db: DatabaseSync, durable?: () => Promise<void>) {
    this.#db = db;
    this.#durable = durable;
    this.#sql = {
      savepoint: db.prepare('SAVEPOINT write'),
      release: db.prepare('RELEASE write'),
      rollbackTo: db.prepare('ROLLBACK TO write'),
    };
  }

  /**
   * Called whenever changes made by writes are undone (a whole batch rolled
   * back, or one write's savepoint): whoever keeps state in memory beside the
   * store drops it then and reads it again inside the next write.
   */
  onRollback(listener: (scope: RollbackScope) => void): void {
    this.#rollbackListeners.push(listener);
  }

  /**
   * Runs inside each batch's transaction, after its writes, before COMMIT:
   * for work the writes leave to be done once per batch. A hook that throws
   * rolls the whole batch back and fails every write of it.
   */
  beforeCommit(hook: () => void): void {
    this.#beforeCommit.push(hook);
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
    let outcomes: Outcome[];
    try {
      outcomes = this.#commit(batch, false);
      if (outcomes.some((outcome) => !outcome.ok)) {
        // Rare: a write threw. Its partial changes must go, the others' must stay.
        outcomes = this.#commit(batch, true);
      }
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    if (this.#durable === undefined) {
      answer(batch, outcomes);
      return;
    }
    // The event loop goes on deciding the next batch while this one's frames reach the disk.
    this.#durable().then(
      () => answer(batch, outcomes),
      (error: unknown) => {
        for (const { reject } of batch) reject(error);
      },
    );
  }

  /**
   * Runs the batch in one transaction. Without savepoints (the common case:
   * nothing throws) the first failure rolls everything back so the batch can
   * be run again with one savepoint per write; with them, it commits.
   */
  #commit(batch: readonly PendingWrite[], isolated: boolean): Outcome[] {
    const outcomes: Outcome[] = [];
    const db = this.#db;
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const { work } of batch) {
        if (isolated) this.#sql.savepoint.run();
        try {
          outcomes.push({ ok: true, value: work() });
          if (isolated) this.#sql.release.run();
        } catch (error) {
          outcomes.push({ ok: false, error });
          if (!isolated) {
            db.exec('ROLLBACK');
            this.#rolledBack('batch');
            return outcomes;
          }
          this.#sql.rollbackTo.run();
          this.#sql.release.run();
          this.#rolledBack('write');
        }
      }
      for (const hook of this.#beforeCommit) hook();
      db.exec('COMMIT');
      return outcomes;
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      this.#rolledBack('batch');
      throw error;
    }
  }

  #rolledBack(scope: RollbackScope): void {
    for (const listener of this.#rollbackListeners) listener(scope);
  }
}

function answer(batch: readonly PendingWrite[], outcomes: readonly Outcome[]): void {
  for (const [index, { resolve, reject }] of batch.entries()) {
    const outcome = outcomes[index]!;
    if (outcome.ok) resolve(outcome.value);
    else reject(outcome.error);
  }
}

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { pairHash } from '../memory/key-filter.ts';
import type { GroupCommit } from './group-commit.ts';
import { bookKey } from './live-sale-books.ts';

/** Rows indexed per write: a slice holds the event loop for a few milliseconds. */
const SLICE_ROWS = 4_096;

/**
 * Where each (user, idempotency key) was used, for the lookups that memory
 * cannot settle (a key of another sale, a retry after a restart).
 *
 * A unique index on the reservation row would answer them too, but every
 * purchase would then insert into a B-tree at a random place: each group
 * commit dirtied about one page of it per reservation, seven times the WAL
 * the rest of the row writes (measured: 238k against 32k frames for 200k
 * reservations). Instead the reservation row goes in alone, its key is kept
 * in memory (`tail`, every row past the index's cursor), and the keys are
 * moved into `used_keys` in sorted slices of thousands, each slice dirtying
 * each page of that index once. `used_keys` holds a 53-bit hash of the pair
 * and the row's seq (a few bytes an entry, so few pages); a lookup compares
 * the pair on the rows it points to.
 *
 * The cursor moves inside the write that indexed the slice, so after a crash
 * the rows past it are the tail again, read at open.
 */
export class KeyIndex {
  readonly #writes: GroupCommit;
  readonly #sql: Record<'cursor' | 'moveCursor' | 'rowsAfter' | 'tail' | 'insert' | 'find', StatementSync>;
  #cursor = 0;
  /** bookKey(user, key) → seq, for every reservation row past the cursor. */
  readonly #tail = new Map<string, number>();
  #stale = true;
  #sliceQueued = false;

  constructor(db: DatabaseSync, writes: GroupCommit) {
    this.#writes = writes;
    writes.onRollback(() => {
      this.#stale = true;
    });
    this.#sql = {
      cursor: db.prepare('SELECT seq FROM key_index WHERE id = 1'),
      moveCursor: db.prepare('UPDATE key_index SET seq = ? WHERE id = 1'),
      rowsAfter: db.prepare(
        'SELECT seq, user_id, idempotency_key FROM reservations WHERE seq > ? ORDER BY seq LIMIT ?',
      ),
      tail: db.prepare('SELECT seq, user_id, idempotency_key FROM reservations WHERE seq > ?'),
      insert: db.prepare('INSERT INTO used_keys (key_hash, seq) VALUES (?, ?)'),
      find: db.prepare(
        `SELECT r.seq FROM used_keys k JOIN reservations r ON r.seq = k.seq
         WHERE k.key_hash = ? AND r.user_id = ? AND r.idempotency_key = ?`,
      ),
    };
    this.#fresh();
    // A store opened with many keys never indexed (one written before the index existed) catches up.
    if (this.#tail.size >= SLICE_ROWS) this.#queueSlice();
  }

  /** Keys not yet in `used_keys`. */
  get pending(): number {
    return this.#tail.size;
  }

  /** Inside the write that inserted reservation row `seq` under the pair. */
  added(userId: string, idempotencyKey: string, seq: number): void {
    this.#fresh();
    this.#tail.set(bookKey(userId, idempotencyKey), seq);
    if (this.#tail.size >= SLICE_ROWS) this.#queueSlice();
  }

  /** The seq of the reservation row made under the pair, if any. */
  seqOf(userId: string, idempotencyKey: string): number | undefined {
    this.#fresh();
    const recent = this.#tail.get(bookKey(userId, idempotencyKey));
    if (recent !== undefined) return recent;
    const row = this.#sql.find.get(pairHash(userId, idempotencyKey), userId, idempotencyKey);
    return row === undefined ? undefined : (row.seq as number);
  }

  /** Inside a write: moves up to `max` keys of the tail, oldest rows first, into `used_keys`. */
  indexSlice(max = SLICE_ROWS): number {
    this.#fresh();
    const rows = this.#sql.rowsAfter.all(this.#cursor, max);
    if (rows.length === 0) return 0;
    const entries = rows.map((row) => {
      const userId = row.user_id as string;
      const idempotencyKey = row.idempotency_key as string;
      return {
        hash: pairHash(userId, idempotencyKey),
        seq: row.seq as number,
        key: bookKey(userId, idempotencyKey),
      };
    });
    // In key order, so the inserts walk the index's pages once, left to right.
    entries.sort((a, b) => a.hash - b.hash || a.seq - b.seq);
    for (const entry of entries) this.#sql.insert.run(entry.hash, entry.seq);
    this.#cursor = rows[rows.length - 1]!.seq as number;
    this.#sql.moveCursor.run(this.#cursor);
    for (const entry of entries) if (this.#tail.get(entry.key) === entry.seq) this.#tail.delete(entry.key);
    return rows.length;
  }

  /** Indexes slices until the tail is shorter than one, each in a write of its own. */
  #queueSlice(): void {
    if (this.#sliceQueued) return;
    this.#sliceQueued = true;
    setImmediate(() => {
      this.#writes
        .write(() => this.indexSlice())
        .then(
          () => {
            this.#sliceQueued = false;
            if (this.#tail.size >= SLICE_ROWS) this.#queueSlice();
          },
          () => {
            // The store is closing or failing: the tail stays in memory and on disk, indexed at the next open.
            this.#sliceQueued = false;
          },
        );
    });
  }

  /** After a rollback (and at open) the tail is read again from the rows past the stored cursor. */
  #fresh(): void {
    if (!this.#stale) return;
    this.#stale = false;
    this.#cursor = this.#sql.cursor.get()!.seq as number;
    this.#tail.clear();
    for (const row of this.#sql.tail.iterate(this.#cursor)) {
      this.#tail.set(bookKey(row.user_id as string, row.idempotency_key as string), row.seq as number);
    }
  }
}

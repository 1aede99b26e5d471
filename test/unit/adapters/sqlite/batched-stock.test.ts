import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openEmbeddedDatabase } from '../../../../src/adapters/sqlite/database.ts';
import { GroupCommit } from '../../../../src/adapters/sqlite/group-commit.ts';
import { SqliteStockLedger } from '../../../../src/adapters/sqlite/sqlite-stock-ledger.ts';
import type { Sale } from '../../../../src/domain/sale.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const sale: Sale = {
  id: 'stampede',
  sku: 'S',
  name: 'S',
  stock: 50,
  startsAt: T0,
  endsAt: T0 + 3_600_000,
  perUserLimit: 3,
  priceCents: 100,
  currency: 'EUR',
  paymentWindowSeconds: 900,
  purchaseToken: false,
  createdAt: T0 - 1_000,
};

/**
 * The stored stock is decremented once per sale and batch, before COMMIT.
 * These batches mix reservations with failures and releases: the stored
 * figure must always equal the stock minus the units held.
 */
describe('embedded ledger: the stock taken once per batch', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function open() {
    const dir = mkdtempSync(join(tmpdir(), 'batched-stock-'));
    dirs.push(dir);
    const db = openEmbeddedDatabase({ path: join(dir, 'store.db'), durability: 'normal' });
    const writes = new GroupCommit(db);
    const ledger = new SqliteStockLedger(db, writes);
    const stored = () => db.prepare('SELECT available FROM sales WHERE id = ?').get(sale.id)!.available;
    return { db, writes, ledger, stored };
  }

  const buy = (ledger: SqliteStockLedger, user: number, key: string) =>
    ledger.reserve({
      saleId: sale.id,
      userId: `u${user}`,
      quantity: 1,
      idempotencyKey: key,
      now: T0 + 1_000,
    });

  it("a write that fails mid-batch leaves the others' units taken exactly once", async () => {
    const { writes, ledger, stored } = open();
    await ledger.openSale(sale);
    const results = await Promise.allSettled([
      ...Array.from({ length: 10 }, (_, i) => buy(ledger, i, `a${i}`)),
      writes.write(() => {
        throw new Error('another write of the batch fails');
      }),
      ...Array.from({ length: 10 }, (_, i) => buy(ledger, i + 10, `b${i}`)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled' && r.value.kind === 'reserved')).toHaveLength(20);
    expect(stored()).toBe(30);
    // The book read again after the rollback agrees with the store: the rest sells, and no more.
    const rest = await Promise.all(Array.from({ length: 40 }, (_, i) => buy(ledger, i + 20, `c${i}`)));
    expect(rest.filter((r) => r.kind === 'reserved')).toHaveLength(30);
    expect(rest.filter((r) => r.kind === 'sold_out')).toHaveLength(10);
    expect(stored()).toBe(0);
  });

  it('a release in the same batch as reservations gives back onto the taken figure', async () => {
    const { ledger, stored } = open();
    await ledger.openSale(sale);
    const first = await buy(ledger, 1, 'k1');
    if (first.kind !== 'reserved') throw new Error(first.kind);
    const [, released] = await Promise.all([
      buy(ledger, 2, 'k2'),
      ledger.release(first.reservation.id, 'cancelled', T0 + 2_000),
      buy(ledger, 3, 'k3'),
    ]);
    expect(released.kind).toBe('released');
    expect(stored()).toBe(48);
    const counts = await ledger.countSale(sale.id);
    expect(counts).toMatchObject({ initial: 50, available: 48, held: 2, released: 1 });
  });

  it('a batch whose books and store disagree is rolled back whole', async () => {
    const { db, ledger, stored } = open();
    await ledger.openSale(sale);
    await buy(ledger, 1, 'warm'); // the book is in memory now
    // Someone else took the stock behind the ledger's back: the guard refuses, nothing is half-written.
    db.prepare('UPDATE sales SET available = 0 WHERE id = ?').run(sale.id);
    const outcomes = await Promise.allSettled([buy(ledger, 2, 'x'), buy(ledger, 3, 'y')]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM reservations').get()!.n).toBe(1);
    expect(stored()).toBe(0);
    // Read again from the store, the book now agrees: sold out.
    expect((await buy(ledger, 4, 'z')).kind).toBe('sold_out');
  });
});

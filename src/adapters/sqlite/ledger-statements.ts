import type { DatabaseSync, StatementSync } from 'node:sqlite';

export type LedgerStatements = ReturnType<typeof prepareLedgerStatements>;

/** Every statement of the SQLite ledger, prepared once per connection. */
export function prepareLedgerStatements(db: DatabaseSync) {
  const statements = {
    insertSale: db.prepare(
      `INSERT INTO sales (id, sku, name, stock, available, starts_at, ends_at, per_user_limit, price_cents,
         currency, payment_window_seconds, purchase_token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    sale: db.prepare('SELECT * FROM sales WHERE id = ?'),
    sales: db.prepare('SELECT * FROM sales ORDER BY created_at, id'),
    bySeq: db.prepare('SELECT * FROM reservations WHERE seq = ?'),
    // mirrors decidePurchase (stock left) in domain/purchase-decision.ts, as the store's own guard
    take: db.prepare('UPDATE sales SET available = available - ? WHERE id = ? AND available >= ?'),
    giveBack: db.prepare('UPDATE sales SET available = available + ? WHERE id = ?'),
    insertReservation: db.prepare(
      `INSERT INTO reservations (id, order_id, sale_id, user_id, quantity, idempotency_key, amount_cents,
         currency, state, created_at, expires_at, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?)`,
    ),
    reservation: db.prepare('SELECT * FROM reservations WHERE id = ?'),
    byOrder: db.prepare('SELECT * FROM reservations WHERE order_id = ?'),
    markPaid: db.prepare(
      `UPDATE reservations SET state = 'paid', paid_at = ? WHERE id = ? AND state = 'held'`,
    ),
    markReleased: db.prepare(
      `UPDATE reservations SET state = 'released', release_reason = ?, released_at = ?
       WHERE id = ? AND state = 'held'`,
    ),
    due: db.prepare(
      `SELECT * FROM reservations WHERE state = 'held' AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`,
    ),
    counts: db.prepare(
      `SELECT COALESCE(SUM(CASE WHEN state = 'held' THEN quantity END), 0) AS held,
              COALESCE(SUM(CASE WHEN state = 'paid' THEN quantity END), 0) AS paid,
              COALESCE(SUM(CASE WHEN state = 'released' THEN quantity END), 0) AS released,
              COUNT(*) AS reservations
       FROM reservations WHERE sale_id = ?`,
    ),
    available: db.prepare('SELECT available FROM sales WHERE id = ?'),
    holdings: db.prepare(
      `SELECT user_id, SUM(quantity) AS units
       FROM reservations WHERE sale_id = ? AND state IN ('held', 'paid') GROUP BY user_id`,
    ),
    // mirrors decidePurchase (per-user limit over held + paid units) in domain/purchase-decision.ts
    overLimit: db.prepare(
      `SELECT user_id, SUM(quantity) AS units FROM reservations
       WHERE sale_id = ? AND state IN ('held', 'paid') GROUP BY user_id HAVING SUM(quantity) > ?`,
    ),
  } satisfies Record<string, StatementSync>;
  return statements;
}

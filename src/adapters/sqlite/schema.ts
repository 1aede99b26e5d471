/**
 * Ordered schema migrations for the embedded store. The position in this list
 * is the version recorded in `PRAGMA user_version`; append, never edit.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sales (
    id TEXT PRIMARY KEY,
    sku TEXT NOT NULL,
    name TEXT NOT NULL,
    stock INTEGER NOT NULL CHECK (stock > 0),
    available INTEGER NOT NULL CHECK (available >= 0),
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    per_user_limit INTEGER NOT NULL CHECK (per_user_limit > 0),
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    currency TEXT NOT NULL,
    payment_window_seconds INTEGER NOT NULL CHECK (payment_window_seconds > 0),
    created_at INTEGER NOT NULL,
    CHECK (available <= stock)
  ) STRICT;

  CREATE TABLE reservations (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL UNIQUE,
    sale_id TEXT NOT NULL REFERENCES sales (id),
    user_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    idempotency_key TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('held', 'paid', 'released')),
    release_reason TEXT CHECK (release_reason IN ('expired', 'cancelled')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    paid_at INTEGER,
    released_at INTEGER,
    UNIQUE (user_id, idempotency_key)
  ) STRICT;
  CREATE INDEX reservations_by_holder ON reservations (sale_id, user_id, state);
  CREATE INDEX reservations_due ON reservations (expires_at) WHERE state = 'held';

  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    available_at INTEGER NOT NULL,
    last_error TEXT,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX outbox_due ON outbox (available_at, id);

  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    failed_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL UNIQUE,
    sale_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'paid', 'expired', 'cancelled')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX orders_by_sale ON orders (sale_id);
  `,
  // The reservation row is the compact record a purchase writes, and the
  // outbox entry of its `reservation.created` event: rows are numbered in
  // commit order (`seq`, the rowid, so inserts append), and the order
  // projection reads them past its cursor instead of a copied event. The
  // holder index goes: live sales are decided in memory, and the few queries
  // per sale (load, audit) read the sale's rows.
  `
  CREATE TABLE reservations_numbered (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL UNIQUE,
    sale_id TEXT NOT NULL REFERENCES sales (id),
    user_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    idempotency_key TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('held', 'paid', 'released')),
    release_reason TEXT CHECK (release_reason IN ('expired', 'cancelled')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    paid_at INTEGER,
    released_at INTEGER,
    UNIQUE (user_id, idempotency_key)
  ) STRICT;
  INSERT INTO reservations_numbered (id, order_id, sale_id, user_id, quantity, idempotency_key, amount_cents,
      currency, state, release_reason, created_at, expires_at, paid_at, released_at)
    SELECT id, order_id, sale_id, user_id, quantity, idempotency_key, amount_cents, currency, state,
      release_reason, created_at, expires_at, paid_at, released_at
    FROM reservations ORDER BY created_at, id;
  DROP TABLE reservations;
  ALTER TABLE reservations_numbered RENAME TO reservations;
  CREATE INDEX reservations_by_sale ON reservations (sale_id);
  CREATE INDEX reservations_due ON reservations (expires_at) WHERE state = 'held';

  -- Reservations up to seq have had their reservation.created event handled
  -- (those made before this migration have theirs in the outbox already).
  CREATE TABLE order_projection (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
  ) STRICT;
  INSERT INTO order_projection (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM reservations;
  `,
  // Sales whose purchases need the shopper's purchase token; every earlier sale did not.
  `
  ALTER TABLE sales ADD COLUMN purchase_token INTEGER NOT NULL DEFAULT 0 CHECK (purchase_token IN (0, 1));
  `,
  // The id of the request that made a reservation, carried in its reservation.created event.
  `ALTER TABLE reservations ADD COLUMN request_id TEXT;`,
  // The (user, idempotency key) unique index leaves the reservation row: a purchase inserted into it at a
  // random place, and its pages were most of each commit's WAL. Keys are kept in memory and moved into
  // used_keys in sorted slices (KeyIndex); rows written before this migration are indexed at the next open.
  `
  CREATE TABLE reservations_unkeyed (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    order_id TEXT NOT NULL UNIQUE,
    sale_id TEXT NOT NULL REFERENCES sales (id),
    user_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    idempotency_key TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('held', 'paid', 'released')),
    release_reason TEXT CHECK (release_reason IN ('expired', 'cancelled')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    paid_at INTEGER,
    released_at INTEGER,
    request_id TEXT
  ) STRICT;
  INSERT INTO reservations_unkeyed (seq, id, order_id, sale_id, user_id, quantity, idempotency_key,
      amount_cents, currency, state, release_reason, created_at, expires_at, paid_at, released_at, request_id)
    SELECT seq, id, order_id, sale_id, user_id, quantity, idempotency_key, amount_cents, currency, state,
      release_reason, created_at, expires_at, paid_at, released_at, request_id
    FROM reservations;
  DROP TABLE reservations;
  ALTER TABLE reservations_unkeyed RENAME TO reservations;
  CREATE INDEX reservations_by_sale ON reservations (sale_id);
  CREATE INDEX reservations_due ON reservations (expires_at) WHERE state = 'held';

  CREATE TABLE used_keys (
    key_hash INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (key_hash, seq)
  ) STRICT, WITHOUT ROWID;
  -- Reservations up to seq have their key in used_keys.
  CREATE TABLE key_index (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
  ) STRICT;
  INSERT INTO key_index (id, seq) VALUES (1, 0);
  `,
];

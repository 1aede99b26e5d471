-- Up Migration
CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  reservation_id TEXT NOT NULL UNIQUE,
  sale_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  amount_cents BIGINT NOT NULL CHECK (amount_cents >= 0),
  currency TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'paid', 'expired', 'cancelled')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX orders_by_sale ON orders (sale_id);

-- One row per paid order: what was paid and when.
CREATE TABLE payments (
  order_id TEXT PRIMARY KEY REFERENCES orders (id),
  amount_cents BIGINT NOT NULL,
  currency TEXT NOT NULL,
  paid_at BIGINT NOT NULL
);

-- One row per order whose units went back on sale: expired (payment window closed) or cancelled.
CREATE TABLE order_releases (
  order_id TEXT PRIMARY KEY REFERENCES orders (id),
  reason TEXT NOT NULL CHECK (reason IN ('expired', 'cancelled')),
  released_at BIGINT NOT NULL
);

-- Down Migration
DROP TABLE order_releases;
DROP TABLE payments;
DROP TABLE orders;
